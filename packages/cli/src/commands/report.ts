import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openContext } from '@agentsync/core/app';
import { EnvironmentError, UsageError } from '@agentsync/core/errors';
import { parseReportDate, renderHtml, renderMarkdown, renderTable, runReport, type ReportProgress } from '@agentsync/core/report';
import { defineCommand } from '../command';
import { printJson, type Io } from '../io';

export default defineCommand({
  description: `
Measures the repository's own history: merges replayed with git merge-tree
(conflicted ones, conflicts on hotFiles and on other files), deploys (release
tags, else merges to the branch), reverts and lines reworked within 21 days,
build success and time to restore from AgentSync's health records, and per
agent sessions, handoffs, claims, tokens and AGENTSYNC_SKIP uses. When a
commit in the window adds .agentsync.json, every number is also given before
and after it. Definitions and limits: docs/report.md.

A cache under the git dir keeps each merge's replay and the churn walk, so a
second run reads only new history. Progress goes to stderr.

Exit 0, 2 on bad input (a date, a branch, a --tags glob, an unwritable --html file).
`,
  json: 'print the report as JSON',
  options: {
    since: { type: 'string', value: 'DATE', description: 'from this date: 2026-11-01, 2026-11-01T09:30:00Z, or an age such as 30d or 12w' },
    until: { type: 'string', value: 'DATE', description: 'up to (not including) this date, same forms' },
    branch: { type: 'string', value: 'REF', description: 'the branch to report on (default: origin\'s default branch, else main or master)' },
    tags: { type: 'string', value: 'GLOB', description: 'release tags that count as deploys (default v*)' },
    markdown: { type: 'boolean', description: 'print Markdown, as for a GitHub step summary' },
    html: { type: 'string', value: 'FILE', description: 'write one self-contained HTML page to FILE' },
  },
  async run({ values, positionals, io }) {
    if (positionals.length > 0) {
      throw new UsageError(`report takes no arguments, got ${JSON.stringify(positionals.join(' '))}.`, {
        where: positionals[0],
        hint: `To report on a branch, give it as --branch ${positionals[0]}.`,
      });
    }
    const formats = [values.json && '--json', values.markdown && '--markdown', values.html !== undefined && '--html'].filter(Boolean);
    if (formats.length > 1) throw new UsageError(`report: ${formats.join(' and ')} cannot be combined.`, { hint: 'Pick one output format; the terminal table is the default.' });
    const html = values.html === undefined ? undefined : writableFile(resolve(io.cwd, values.html));
    const now = new Date();
    const since = values.since === undefined ? undefined : parseReportDate('--since', values.since, now);
    const until = values.until === undefined ? undefined : parseReportDate('--until', values.until, now);
    const ctx = await openContext({ cwd: io.cwd, env: io.env });
    const live = progress(io);
    const report = await runReport(ctx.repo, ctx.config, { since, until, branch: values.branch, tags: values.tags, now, onProgress: live.update }).finally(live.stop);
    if (values.json) printJson(io, report);
    else if (values.markdown) io.out(renderMarkdown(report));
    else if (html) {
      try {
        writeFileSync(html, renderHtml(report, now));
      } catch (error) {
        throw new EnvironmentError(`Could not write ${html}: ${(error as Error).message}`, { where: html, hint: 'Give --html a file in a directory you can write to.' });
      }
      io.out(`Report written to ${html}`);
    } else io.out(renderTable(report));
    return 0;
  },
});

/** Checks before the work starts that FILE can be written, so a long run does not fail at its end. */
function writableFile(file: string): string {
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new UsageError(`--html ${file} is a directory.`, { where: file, hint: 'Give --html a file name, such as report.html.' });
  }
  try {
    accessSync(existsSync(file) ? file : dirname(file), constants.W_OK);
  } catch (error) {
    throw new UsageError(`--html ${file} cannot be written: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, {
      where: file,
      hint: 'Give --html a file in an existing directory you can write to.',
    });
  }
  return file;
}

/** Progress on stderr: a live line on a terminal; otherwise plain lines, only once a run has taken over a second. */
function progress(io: Io): { update: ReportProgress; stop: () => void } {
  const started = Date.now();
  let shown = 0;
  return {
    update({ phase, done, total }) {
      const now = Date.now();
      const text = `report: ${phase} ${done}/${total}`;
      if (io.liveLine) {
        if (now - shown < 100 && done !== total) return;
        io.liveLine(text);
        shown = now;
      } else if (now - started > 1000 && now - shown > 2000) {
        io.err(text);
        shown = now;
      }
    },
    stop: () => io.liveLine?.(''),
  };
}
