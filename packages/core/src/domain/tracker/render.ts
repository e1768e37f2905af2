/** AgentTracker.md from its data: prose verbatim, each region regenerated from its rows and entries. */
import type { Region, TrackerDoc, TrackerEntry } from './types';

export const SESSION_COLUMNS = ['Session', 'Agent', 'Goal', 'Tier', 'Branch', 'Started'];
export const CLAIM_COLUMNS = ['Holder', 'Glob', 'Mode', 'Expires', 'Session'];
const NONE = '_none_';

/** The document's text: prose verbatim, regions regenerated only where their data changed. */
export function renderTracker(doc: TrackerDoc): string {
  return doc.blocks
    .map((block) => {
      if (typeof block === 'string') return block;
      const rendered = renderRegion(block, doc.eol);
      return block.source?.rendered === rendered ? block.source.raw : rendered;
    })
    .join('');
}

/** One region's text, markers included. */
export function renderRegion(region: Region, eol: string): string {
  let body: string[];
  if (region.name === 'sessions') {
    body = renderTable(
      SESSION_COLUMNS,
      region.rows.map((r) => [r.id, r.agent, r.goal, String(r.tier), r.branch, r.started]),
    );
  } else if (region.name === 'claims') {
    body = renderTable(
      CLAIM_COLUMNS,
      region.rows.map((r) => [r.holder, r.glob, r.mode, r.expires, r.session ?? '']),
    );
  } else {
    const list: TrackerEntry[] = region.entries;
    body = list.length === 0 ? [NONE] : list.flatMap((entry) => [entryComment(entry), ...renderEntry(entry)]);
  }
  return [`<!-- agentsync:begin ${region.name} -->`, ...body, `<!-- agentsync:end ${region.name} -->`].join(eol);
}

function renderTable(columns: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [NONE];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((cells) => line(cells.map(escapeCell)))];
}

/** Backslash-escapes markdown punctuation and writes newlines as `<br>`: reversible by {@link unescapeCell}. */
function escapeCell(value: string): string {
  return value
    .trim()
    .replace(/[\\|`*_[\]<>~&]/g, '\\$&')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** The cell text {@link escapeCell} wrote. */
export function unescapeCell(cell: string): string {
  return cell.replace(/<br>|\\(.)/g, (match, escaped: string | undefined) => escaped ?? '\n');
}

/** The machine-readable comment: JSON with `<`, `>` and `--` escaped so the comment cannot end early. */
function entryComment(entry: TrackerEntry): string {
  const { id, kind, ...rest } = entry;
  const json = JSON.stringify({ id, kind, ...rest })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/--/g, '-\\u002d');
  return `<!-- agentsync:entry ${json} -->`;
}

function renderEntry(entry: TrackerEntry): string[] {
  if (entry.kind !== 'handoff') return bullet(entry.text, `**${formatDate(entry.at)}** · ${oneLine(entry.agent)} · `);
  const meta = [
    entry.session && `Session: ${oneLine(entry.session)}`,
    entry.goal && `Goal: ${oneLine(entry.goal)}`,
    entry.tier !== undefined && `Tier: ${entry.tier}`,
  ];
  const usage = [
    entry.tokens !== undefined && `Tokens used: ${entry.tokens}${entry.budget ? ` of budget ${oneLine(entry.budget)}` : ''}`,
    entry.tokens === undefined && entry.budget && `Budget: ${oneLine(entry.budget)}`,
    entry.health && `Health: ${oneLine(entry.health)}`,
  ];
  const [headline = '', ...rest] = lines(entry.summary);
  const lists: Array<[string, string[]]> = [
    ['Done', entry.done],
    ['Next', entry.next],
    ['Blockers', entry.blockers],
    ['Failed approaches', entry.failed],
  ];
  const paragraphs: string[][] = [
    [`### Handoff: ${escapeCommentOpen(headline)} — ${oneLine(entry.agent)}, ${formatDate(entry.at)}`],
    paragraph(meta.filter(Boolean).join(' · ')),
    paragraph(rest.join('\n').trim()),
    ...lists.filter(([, items]) => items.length > 0).map(([title, items]) => [`**${title}**`, ...items.flatMap((item) => bullet(item))]),
    paragraph(usage.filter(Boolean).join(' · ')),
    paragraph(entry.note ? `Note: ${entry.note}` : ''),
  ];
  return paragraphs.filter((p) => p.length > 0).flatMap((p) => [...p, '']);
}

/** A list item of user text; `lead` is the renderer's own start of its first line. */
function bullet(text: string, lead = ''): string[] {
  return lines(text).map((line, i) => (i === 0 ? `- ${lead}${lead ? line : inert(line)}` : line === '' ? '' : `  ${inert(line)}`));
}

function paragraph(text: string): string[] {
  return text === '' ? [] : lines(text).map(inert);
}

/** What starts a markdown block: a heading, quote, list item, rule, setext underline, fence, table row or HTML. */
const BLOCK_START = /^(\s*)(?:([#>+*\-=_|<~`])|(\d{1,9})([.)]))/;

/**
 * A line of user text, escaped so it cannot start a block of its own: a newline in
 * `--summary` must not become a heading an agent reads as the tracker's structure.
 * (The entry's own data is in its comment; this changes only how it reads.)
 */
function inert(line: string): string {
  return line.replace(BLOCK_START, (_, indent: string, mark?: string, digits?: string, dot?: string) =>
    mark ? `${indent}\\${mark}` : `${indent}${digits}\\${dot}`,
  );
}

/** Splits on any newline and neutralizes `<!--`, so no rendered line can look like a marker. */
function lines(text: string): string[] {
  return escapeCommentOpen(text).split(/\r\n|\r|\n/);
}

/** `<!--` escaped, so user text never opens an HTML comment (the tracker's markers are comments). */
function escapeCommentOpen(text: string): string {
  return text.replace(/<!--/g, '&lt;!--');
}

function oneLine(text: string): string {
  return escapeCommentOpen(text).replace(/\s*[\r\n]+\s*/g, ' ');
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? oneLine(iso) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
