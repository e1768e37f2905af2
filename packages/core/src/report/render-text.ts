/** The report as a terminal table and as Markdown (for a GitHub step summary). Pure. */
import { agentTable, conflictTable, coordinationLine, footnotes, summaryTable, type TextTable } from './format';
import type { Report } from './metrics';

function aligned(table: TextTable): string[] {
  const widths = table.headers.map((header, i) => Math.max(header.length, ...table.rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(table.headers), line(widths.map((w) => '-'.repeat(w))), ...table.rows.map(line)];
}

/** The default output: plain aligned columns. */
export function renderTable(report: Report): string {
  const out = [`AgentSync report for ${report.branch} (${report.head.slice(0, 10)})`, '', ...aligned(summaryTable(report))];
  if (report.conflictedFiles.length) out.push('', 'Most conflicted files', ...aligned(conflictTable(report)));
  if (report.coordination.agents.length) out.push('', `Agents (${coordinationLine(report)})`, ...aligned(agentTable(report)));
  const notes = footnotes(report);
  if (notes.length) out.push('', ...notes);
  return `${out.join('\n')}\n`;
}

const cell = (text: string) => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function markdownTable(table: TextTable): string[] {
  return [`| ${table.headers.map(cell).join(' | ')} |`, `|${table.headers.map(() => ' --- ').join('|')}|`, ...table.rows.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

/** GitHub-flavoured Markdown, as a step summary shows it. */
export function renderMarkdown(report: Report): string {
  const out = [`## AgentSync report: ${cell(report.branch)}`, '', ...markdownTable(summaryTable(report))];
  if (report.conflictedFiles.length) out.push('', '### Most conflicted files', '', ...markdownTable(conflictTable(report)));
  if (report.coordination.agents.length) out.push('', `### Agents`, '', cell(coordinationLine(report)), '', ...markdownTable(agentTable(report)));
  const notes = footnotes(report);
  if (notes.length) out.push('', ...notes.map((note) => `- ${cell(note)}`));
  return `${out.join('\n')}\n`;
}
