#!/usr/bin/env node
/**
 * Issue "Health": what `agentsync hook pre-push` adds to a `git push` whose
 * tree passed its health checks before (the cache hits, nothing runs), beside
 * a hook running one Node start, all pushing to a bare remote, interleaved:
 *   (a) no hook (bare git push)
 *   (b) a hook running `node -e 0` that reads git's stdin
 *   (c) `agentsync hook pre-push`, health.commands [unit: true], cache warm
 *
 * Every sample pushes a new commit (made untimed with `git commit-tree`) whose
 * tree is the one already checked, as a fast-forward of its variant's branch.
 *
 * Goal: AgentSync adds at most 2× what the `node -e 0` hook adds.
 *
 *   node tools/bench/prepush.mjs [--quick] [--keep]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  addedOver,
  CLI,
  NODE,
  TRACE,
  addBareRemote,
  benchEnv,
  hookFolder,
  isMain,
  keepTempDirs,
  makeRepo,
  parseFlags,
  printResult,
  progress,
  run,
  runGitWithHook,
  sampleInterleaved,
  tempDir,
  traceBreakdown,
  tracedRun,
  writeFiles,
} from './lib.mjs';

export const AGENT = 'alice';
const BRANCH = `${AGENT}/bench`;
const HEALTH_CONFIG = { health: { commands: [{ name: 'unit', run: 'true' }] } };
/** What the health check prints when it really runs (a cache miss). */
const RAN_CHECK = /running health check unit/;

export async function runPrepushBench({ quick = false } = {}) {
  const runs = quick ? 5 : 21;
  progress(`prepush: fixture (bare remote, health check "unit", warm cache), then ${runs} interleaved rounds`);
  const files = { '.agentsync.json': `${JSON.stringify(HEALTH_CONFIG, null, 2)}\n` };
  for (let i = 0; i < 20; i++) files[`src/file-${i}.ts`] = `export const v${i} = ${i};\n`;
  const repo = makeRepo('prepush', { files, branch: BRANCH });
  addBareRemote(repo, 'prepush', { branch: BRANCH });
  const cwd = repo.dir;
  const tree = repo.git(['rev-parse', 'HEAD^{tree}']).trim();
  const env = benchEnv({ AGENTSYNC_AGENT: AGENT });

  // Hook folders outside the repository: the pushed tree stays the checked one.
  const hooksRoot = tempDir('prepush-hooks');
  const hookPaths = {
    bare: hookFolder(hooksRoot, 'none'),
    node: hookFolder(hooksRoot, 'node', { 'pre-push': `exec "${NODE}" -e "require('fs').readFileSync(0)"` }),
    agentsync: hookFolder(hooksRoot, 'agentsync', { 'pre-push': `exec "${NODE}" "${CLI}" hook pre-push "$@"` }),
    traced: hookFolder(hooksRoot, 'traced', { 'pre-push': `exec "${NODE}" -r "${TRACE}" "${CLI}" hook pre-push "$@"` }),
  };

  // Each variant fast-forwards its own branch by one commit of the same tree.
  const tips = new Map();
  let made = 0;
  const nextCommit = (branch, treeish = tree) => {
    const parent = tips.get(branch) ?? repo.git(['rev-parse', 'HEAD']).trim();
    const commit = repo.git(['commit-tree', treeish, '-p', parent, '-m', `push ${++made}`]).trim();
    tips.set(branch, commit);
    return commit;
  };
  const push = (hooks, branch) => ['-c', `core.hooksPath=${hooks}`, 'push', '-q', 'origin', `${nextCommit(branch)}:refs/heads/${branch}`];
  sanityChecks({ repo, env, hookPaths, push, nextCommit });

  const variant = (name) => {
    const v = { name, cmd: 'git', args: [], cwd, env };
    v.before = () => {
      v.args = push(hookPaths[name], `bench-${name}`);
    };
    return v;
  };
  const stats = sampleInterleaved([variant('bare'), variant('node'), variant('agentsync')], { runs });

  // Where the hook's time goes (untimed by the samples above; the tracer adds a little).
  const traces = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    traces.push(tracedRun('git', push(hookPaths.traced, 'bench-traced'), { cwd, env }));
  }
  const breakdown = traceBreakdown(traces);

  const bare = stats.get('bare').median;
  const nodeAdds = stats.get('node').median - bare;
  const agentsyncAdds = stats.get('agentsync').median - bare;
  const addedStats = (name) => addedOver(stats, name, bare);
  return {
    id: 'prepush',
    title: 'pre-push on an already-checked tree: git push to a bare remote (issue "Health")',
    variants: [
      ['(a) git push, no hook', stats.get('bare')],
      ['(b) hook: node -e 0 (reads stdin)', stats.get('node')],
      ['(c) agentsync hook pre-push (health cached)', stats.get('agentsync')],
      ['added over (a) by (b) node -e 0', addedStats('node')],
      ['added over (a) by (c) agentsync', addedStats('agentsync')],
    ],
    goals: [
      {
        label: 'agentsync pre-push adds (cached)',
        subjectMs: agentsyncAdds,
        baseline: 'node -e 0 hook adds',
        baselineMs: nodeAdds,
        goal: `≤ 2× = ${(2 * nodeAdds).toFixed(0)} ms`,
        pass: agentsyncAdds <= 2 * nodeAdds,
      },
      { label: 'push with agentsync pre-push', subjectMs: stats.get('agentsync').median, baseline: 'push, node -e 0 hook', baselineMs: stats.get('node').median, goal: '— (whole push)' },
    ],
    breakdown: {
      title: `Where (c)'s hook process spends its time (${traces.length} traced pushes, medians; the tracer adds a little):`,
      rows: breakdown.rows,
    },
    notes: [
      `"added" rows are the variant's median minus the bare push's median (${bare.toFixed(1)} ms); the goal compares what the hooks add, not whole pushes`,
      'each sample pushes one new commit (`git commit-tree` of the same tree, untimed) as a fast-forward of its variant\'s branch on a bare remote in the temp folder; the hooks are plain files in `core.hooksPath`',
      '`.agentsync.json` is `{"health":{"commands":[{"name":"unit","run":"true"}]}}`; the tree was checked once before timing, so every push hits the health cache (keyed by the tree less AgentTracker.md) and runs nothing; a push of another tree does run the check (checked)',
      `pushed as agent ${AGENT} on ${BRANCH}, no session: the claims and gates are checked too, and pass`,
    ],
  };
}

/**
 * Each hook really runs; the first push of the tree runs the health check and
 * caches it, later pushes of the same tree are silent (cache hit), and a new
 * tree runs the check again.
 */
function sanityChecks({ repo, env, hookPaths, push, nextCommit }) {
  const cwd = repo.dir;
  const pushVia = (name, branch) => {
    const { stdout, stderr } = runGitWithHook(push(hookPaths[name], branch), `${hookPaths[name]}/pre-push`, { cwd, env });
    return `${stdout}${stderr}`;
  };
  pushVia('node', 'sanity');
  const first = pushVia('agentsync', 'sanity');
  if (!RAN_CHECK.test(first)) throw new Error(`prepush: the first push of the tree did not run the health check\n${first}`);
  const again = pushVia('agentsync', 'sanity');
  if (again.trim()) throw new Error(`prepush: a push of the checked tree was not silent (a cache miss, or a finding)\n${again}`);
  // Another tree: the cache is per tree, so the check runs.
  writeFiles(cwd, { 'src/other.ts': 'export {};\n' });
  repo.git(['add', 'src/other.ts']);
  const otherTree = repo.git(['write-tree']).trim();
  repo.git(['rm', '-q', '--cached', 'src/other.ts']);
  rmSync(join(cwd, 'src/other.ts'));
  const commit = nextCommit('sanity-other', otherTree);
  const other = run('git', ['-c', `core.hooksPath=${hookPaths.agentsync}`, 'push', '-q', 'origin', `${commit}:refs/heads/sanity-other`], { cwd, env });
  if (!RAN_CHECK.test(`${other.stdout}${other.stderr}`)) throw new Error(`prepush: a push of a new tree did not run the health check\n${other.stderr}`);
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runPrepushBench(flags));
}
