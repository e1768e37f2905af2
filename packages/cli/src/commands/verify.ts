import { appendFileSync } from 'node:fs';
import { openContext, verifyRange, type VerifyReport } from '@agentsync/core/app';
import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';
import { colors, printJson, type Io } from '../io';

export default defineCommand({
  description: `
For CI: re-checks every commit in the range as the hooks would have — paths
claimed by another agent now or at the commit's date (held between its
parents' dates and now, from the history of refs/agentsync/state; a date in
the future or before a parent's is itself a finding), risk gates and
Approved-by: approvals, Agent-Session: trailers where sessions.required,
signatures where identity.allowedSigners is set — and lists the AGENTSYNC_SKIP
uses recorded meanwhile, so commits that bypassed the hooks are caught before
they merge.
Fetch the coordination refs first: git fetch origin '+refs/agentsync/*:refs/agentsync/*'.

On GitHub Actions (GITHUB_ACTIONS=true) it also prints error annotations and
writes a markdown table to the step summary.

Exit 0 clean, 1 a commit breaks a rule, 2 bad range or setup.
`,
  json: 'print the verdicts as JSON',
  options: { range: { type: 'string', value: 'A..B', required: true, description: 'the commits to check, such as origin/main..HEAD (required)' } },
  async run({ values, io }) {
    if (!values.range) throw new UsageError('agentsync verify needs --range A..B.', { hint: 'Example: agentsync verify --range origin/main..HEAD' });
    const ctx = await openContext({ cwd: io.cwd, env: io.env });
    const report = await verifyRange(ctx.repo, ctx.config, values.range);
    if (values.json) printJson(io, report);
    else printReport(io, report);
    if (io.env.GITHUB_ACTIONS === 'true') githubOutput(io, report);
    return report.ok ? 0 : 1;
  },
});

function printReport(io: Io, report: VerifyReport): void {
  const c = colors(io);
  for (const verdict of report.commits) {
    for (const f of verdict.findings) {
      const label = f.level === 'block' ? c.red(`${f.rule}`) : c.yellow(`${f.rule} (warning)`);
      io.out(`${verdict.commit.slice(0, 10)} ${label}: ${f.message}\n  ${f.hint}`);
    }
  }
  for (const skip of report.skips) io.out(`${c.yellow('skipped hooks')} ${skip.at} ${skip.actor}: ${skip.message.split('\n')[0]}`);
  const bad = report.commits.filter((v) => v.findings.some((f) => f.level === 'block')).length;
  io.out(report.ok ? `verify: ${report.commits.length} commit(s) in ${report.range} pass.` : c.red(`verify: ${bad} of ${report.commits.length} commit(s) in ${report.range} break a rule.`));
}

/** Annotations and a step summary, as GitHub Actions reads them. */
function githubOutput(io: Io, report: VerifyReport): void {
  const escape = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const rows: string[] = [];
  for (const verdict of report.commits) {
    for (const f of verdict.findings) {
      const kind = f.level === 'block' ? 'error' : 'warning';
      const file = f.paths?.[0] ? `file=${escape(f.paths[0])},` : '';
      io.out(`::${kind} ${file}title=AgentSync ${f.rule}::${escape(`${verdict.commit.slice(0, 10)}: ${f.message}. ${f.hint}`)}`);
      rows.push(`| ${verdict.commit.slice(0, 10)} | ${f.level} | ${f.rule} | ${f.message.replace(/\|/g, '\\|')} |`);
    }
  }
  const summary = io.env.GITHUB_STEP_SUMMARY;
  if (!summary) return;
  const table = rows.length
    ? ['| commit | level | rule | finding |', '| --- | --- | --- | --- |', ...rows].join('\n')
    : `All ${report.commits.length} commits pass.`;
  const skips = report.skips.map((s) => `- AGENTSYNC_SKIP by ${s.actor} at ${s.at}: ${s.message.split('\n')[0]}`).join('\n');
  appendFileSync(summary, `## AgentSync verify ${report.range}\n\n${table}\n${skips ? `\n${skips}\n` : ''}`);
}
