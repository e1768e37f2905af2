#!/usr/bin/env node
/**
 * Issue "Across machines": claims through a coordination remote (a bare
 * repository in the temp folder, `coordination.remote: "origin"`).
 *
 *   (a) one `agentsync claim` beside one plain `git push` of a new commit to a
 *       ref on the same remote, and `node -e 0`, interleaved. Goal: the claim
 *       takes at most 2× the push. A traced claim shows where its time goes.
 *
 * Crowds of agents through the remote are crowd.mjs's.
 *
 *   node tools/bench/remote.mjs [--quick] [--keep]
 */
import {
  CLI,
  NODE,
  STATE_REF,
  storedState,
  TRACE,
  addBareRemote,
  benchEnv,
  fmtMs,
  isMain,
  keepTempDirs,
  makeRepo,
  parseFlags,
  printResult,
  progress,
  run,
  sampleInterleaved,
  traceBreakdown,
  tracedRun,
  writeState,
} from './lib.mjs';
import { othersClaims } from './hooks.mjs';

const REMOTE_CONFIG = { coordination: { remote: 'origin' } };

/** A repository using `origin` as its coordination remote, and that bare remote. */
function coordinatedRepo(prefix) {
  const repo = makeRepo(prefix, { files: { '.agentsync.json': `${JSON.stringify(REMOTE_CONFIG, null, 2)}\n` } });
  const remote = addBareRemote(repo, prefix);
  return { repo, remote };
}

/** (a): one claim through the remote, beside one push and one Node start. */
function oneClaim({ quick }) {
  const runs = quick ? 5 : 21;
  progress(`remote: one claim through a bare remote (200 claims held), then ${runs} interleaved rounds`);
  const { repo, remote } = coordinatedRepo('remote');
  const cwd = repo.dir;
  const env = benchEnv();
  // The remote starts every claim from the same state: 200 live claims by 40 other agents.
  const base = writeState(remote, othersClaims());
  repo.git(['fetch', '-q', 'origin', `+${STATE_REF}:${STATE_REF}`]);
  // The clone's copy too: reset alone, the remote would lose the claim the copy still shows, a state no real clone sees.
  const resetState = () => {
    remote.git(['update-ref', STATE_REF, base]);
    repo.git(['update-ref', STATE_REF, base]);
  };
  const claimArgs = [CLI, 'claim', 'area/**', '--agent', 'bench-claimer'];

  // The baseline pushes a new commit (untimed commit-tree) as a fast-forward of refs/bench/x.
  const tree = repo.git(['rev-parse', 'HEAD^{tree}']).trim();
  let tip = repo.git(['rev-parse', 'HEAD']).trim();
  let made = 0;
  const pushArgs = () => {
    tip = repo.git(['commit-tree', tree, '-p', tip, '-m', `push ${++made}`]).trim();
    return ['push', '-q', 'origin', `${tip}:refs/bench/x`];
  };

  // Sanity: the claim goes through the remote, the push lands there.
  resetState();
  run(NODE, claimArgs, { cwd, env });
  if (!storedState(remote).claims.some((c) => c.holder === 'bench-claimer' && c.glob === 'area/**')) throw new Error('remote: the claim did not reach the remote');
  run('git', pushArgs(), { cwd, env });
  if (remote.git(['rev-parse', 'refs/bench/x']).trim() !== tip) throw new Error('remote: the push did not reach the remote');

  const push = { name: 'push', cmd: 'git', args: [], cwd, env };
  push.before = () => {
    push.args = pushArgs();
  };
  const variants = [
    { name: 'node', cmd: NODE, args: ['-e', '0'], cwd, env },
    push,
    { name: 'claim', cmd: NODE, args: claimArgs, cwd, env, before: resetState },
  ];
  const stats = sampleInterleaved(variants, { runs });

  const traces = [];
  for (let i = 0; i < (quick ? 3 : 9); i++) {
    resetState();
    traces.push(tracedRun(NODE, ['-r', TRACE, ...claimArgs], { cwd, env }));
  }
  return { stats, breakdown: traceBreakdown(traces), traced: traces.length };
}

export async function runRemoteBench({ quick = false } = {}) {
  const { stats, breakdown, traced } = oneClaim({ quick });

  const node = stats.get('node').median;
  const push = stats.get('push').median;
  const claim = stats.get('claim').median;
  const fetches = breakdown.calls.get('fetch') ?? 0;
  const pushes = breakdown.calls.get('push') ?? 0;
  return {
    id: 'remote',
    title: 'claims through a coordination remote (issue "Across machines")',
    variants: [
      ['(a) node -e 0', stats.get('node')],
      ['(a) git push of a new commit to refs/bench/x', stats.get('push')],
      ['(a) agentsync claim through the remote (200 claims held)', stats.get('claim')],
    ],
    goals: [
      { label: 'claim through the remote', subjectMs: claim, baseline: 'git push (one ref)', baselineMs: push, goal: `≤ 2× = ${(2 * push).toFixed(0)} ms`, pass: claim <= 2 * push },
      { label: 'claim through the remote', subjectMs: claim, baseline: 'node -e 0 + git push', baselineMs: node + push, goal: '— (the floor of a Node program that pushes once)' },
    ],
    breakdown: {
      title: `Where one claim through the remote spends its time (${traced} traced claims, medians; the tracer adds a little):`,
      rows: breakdown.rows,
    },
    notes: [
      `(a) every claim starts from the same remote state (200 live claims by 40 agents, reset untimed in the remote and the clone's copy); it makes ${breakdown.gitCalls} git calls, ${fetches} fetch, ${pushes} push and ${breakdown.calls.get('ls-remote') ?? 0} ls-remote among them, and starts Node (node -e 0: ${fmtMs(node)} ms, ${(node / push).toFixed(1)}× the push)${node > 2 * push ? ': Node\'s start alone is over the 2× budget, whatever the claim does after it' : ''}`,
      '(a) the push baseline sends one new commit of an existing tree (`git push origin <sha>:refs/bench/x`, a fast-forward, the commit made untimed); the claim\'s push sends a new delta.json (state.json when it folds), its tree and commit, with a lease (`--force-with-lease --atomic`)',
    ],
  };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runRemoteBench(flags));
}
