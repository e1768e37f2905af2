#!/usr/bin/env node
/**
 * `agentsync report` on a real public repository's history: the first run
 * (empty cache: every merge replayed with git merge-tree, the whole
 * first-parent history walked for churn), a second run with nothing new, and a
 * run after one new commit, beside `node -e 0` and the two git reads the
 * report is built on (`git log` of every commit with its message, and the
 * `git log -p -U0` of the first-parent chain), sampled in the same run.
 *
 * The history is not part of the workspace: point AGENTSYNC_BENCH_REPORT_REPO
 * at a git dir (a clone or a mirror, e.g. of expressjs/express); without it the
 * benchmark is skipped. It is cloned into a temp folder first, so the original
 * is never written to (the report's cache lives in the clone's git dir).
 *
 * Goals: the first run under 30 s on the machine's cores ("well under a minute"
 * for 5,000 commits with hundreds of merges); a second run, with nothing or one
 * commit new, at most 2 × (node -e 0 + that git log): with the replays and the
 * walk cached, what is left is a Node start and reading the commit list.
 *
 *   AGENTSYNC_BENCH_REPORT_REPO=/path/to/express.git node tools/bench/report.mjs [--quick] [--keep]
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, NODE, isMain, keepTempDirs, parseFlags, printResult, progress, run, sampleInterleaved, tempDir } from './lib.mjs';

export const REPORT_REPO_ENV = 'AGENTSYNC_BENCH_REPORT_REPO';
const TITLE = 'agentsync report: a real repository history';

export async function runReportBench({ quick = false } = {}) {
  const source = process.env[REPORT_REPO_ENV];
  if (!source || !existsSync(source)) {
    progress(`report: skipped (set ${REPORT_REPO_ENV} to a git dir with a long history of merges)`);
    return { id: 'report', title: `${TITLE} (skipped)`, variants: [], goals: [], notes: [`skipped: ${REPORT_REPO_ENV} is not set to an existing git dir`] };
  }
  const runs = quick ? 3 : 7;
  const cwd = join(tempDir('report'), 'repo');
  run('git', ['clone', '--quiet', '--no-checkout', source, cwd]);
  const branch = run('git', ['symbolic-ref', '--short', 'HEAD'], { cwd }).stdout.trim();
  // The hot files a team would list for this history; the config is read from the working tree.
  writeFileSync(join(cwd, '.agentsync.json'), '{ "hotFiles": ["package.json", "History.md"] }\n');
  const count = (args) => Number(run('git', ['rev-list', '--count', ...args, branch], { cwd }).stdout.trim());
  const shape = { commits: count([]), merges: count(['--merges']), firstParent: count(['--first-parent']) };
  progress(`report: ${shape.commits} commits, ${shape.merges} merges on ${branch}; ${runs} interleaved rounds`);

  const cache = join(cwd, '.git', 'agentsync', 'report-cache.json');
  const report = [CLI, 'report', '--json'];
  let extra = 0;
  const variants = [
    { name: 'node', cmd: NODE, args: ['-e', '0'], cwd },
    { name: 'log', cmd: 'git', args: ['log', '--format=%H%x1f%P%x1f%ct%x1f%B%x1e', branch, '--'], cwd },
    { name: 'patch', cmd: 'git', args: ['log', '--first-parent', '--reverse', '--diff-merges=first-parent', '-p', '-U0', '-M', '--format=%x00%H %ct', branch, '--'], cwd },
    { name: 'cold', cmd: NODE, args: report, cwd, before: () => rmSync(cache, { force: true }) },
    { name: 'warm', cmd: NODE, args: report, cwd },
    {
      name: 'new commit',
      cmd: NODE,
      args: report,
      cwd,
      // One more commit on the branch each round: the run replays and walks only it.
      before: () => {
        const tip = run('git', ['rev-parse', branch], { cwd }).stdout.trim();
        const commit = run('git', ['commit-tree', `${tip}^{tree}`, '-p', tip, '-m', `bench ${++extra}`], { cwd }).stdout.trim();
        run('git', ['update-ref', `refs/heads/${branch}`, commit, tip], { cwd });
      },
    },
  ];
  const stats = sampleInterleaved(variants, { runs });
  const numbers = JSON.parse(run(NODE, report, { cwd }).stdout);
  const m = (name) => stats.get(name).median;
  const floor = m('node') + m('log');
  const warmBudget = 2 * floor;
  return {
    id: 'report',
    title: `${TITLE}: ${shape.commits.toLocaleString('en')} commits, ${shape.merges} merges`,
    variants: [
      ['node -e 0', stats.get('node')],
      ['git log (every commit, with its message)', stats.get('log')],
      ['git log -p -U0 (first-parent chain)', stats.get('patch')],
      ['agentsync report --json, empty cache', stats.get('cold')],
      ['agentsync report --json, cache up to date', stats.get('warm')],
      ['agentsync report --json, one new commit', stats.get('new commit')],
    ],
    goals: [
      { label: 'report, empty cache', subjectMs: m('cold'), baseline: 'git log -p -U0', baselineMs: m('patch'), goal: '≤ 30,000 ms', pass: m('cold') <= 30_000 },
      { label: 'report, cache up to date', subjectMs: m('warm'), baseline: 'node -e 0 + git log', baselineMs: floor, goal: `≤ 2× = ${warmBudget.toFixed(0)} ms`, pass: m('warm') <= warmBudget },
      { label: 'report, one new commit', subjectMs: m('new commit'), baseline: 'node -e 0 + git log', baselineMs: floor, goal: `≤ 2× = ${warmBudget.toFixed(0)} ms`, pass: m('new commit') <= warmBudget },
      { label: 'report, cache up to date', subjectMs: m('warm'), baseline: 'report, empty cache', baselineMs: m('cold'), goal: '—' },
    ],
    notes: [
      `history: ${source.replace(/.*\/([^/]+\+[^/]+)\/.*/, '$1').replace('+', '/')} cloned with \`git clone --no-checkout\` (no commit-graph file), branch ${branch}: ${shape.commits} commits, ${shape.merges} merges, ${shape.firstParent} on the first-parent chain`,
      `the report found ${numbers.merges.conflicted} conflicted merges (${numbers.merges.hotFileConflicts} hot-file conflicts with hotFiles package.json and History.md), ${numbers.reverts.count} reverts, churn ${(numbers.rework.churnRate * 100).toFixed(1)} %`,
      'empty cache: every merge replayed (git merge-tree --stdin, 64 merges per process, as many processes at once as the machine has cores) and the whole first-parent history walked; the cache is then written',
      'cache up to date: the commit list is read again (git log), nothing is replayed or walked',
    ],
  };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runReportBench(flags));
}
