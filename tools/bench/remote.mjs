#!/usr/bin/env node
/**
 * Issue "Across machines": claims through a coordination remote (a bare
 * repository in the temp folder, `coordination.remote: "origin"`).
 *
 *   (a) one `agentsync claim` beside one plain `git push` of a new commit to a
 *       ref on the same remote, and `node -e 0`, interleaved. Goal: the claim
 *       takes at most 2× the push. A traced claim shows where its time goes.
 *   (b) 200 agents (50 with --quick) claiming distinct globs `mod<i>/**` at
 *       once, 50 each from 4 clones, run once (a crowd is not sampled): the
 *       wall time, how many exit 0, how many claims the remote holds after.
 *       Goal: none lost, every claim present.
 *
 *   node tools/bench/remote.mjs [--quick] [--keep]
 */
import os from 'node:os';
import {
  CLI,
  NODE,
  STATE_REF,
  TRACE,
  addBareRemote,
  benchEnv,
  cloneRepo,
  fmtMs,
  isMain,
  keepTempDirs,
  makeRepo,
  median,
  parseFlags,
  printResult,
  progress,
  run,
  sampleInterleaved,
  spawnAll,
  traceBreakdown,
  tracedRun,
  writeState,
} from './lib.mjs';
import { othersClaims } from './hooks.mjs';

const REMOTE_CONFIG = { coordination: { remote: 'origin' } };
const CLONES = 4;
/** The git calls one attempt of the store's write loop makes through a remote. */
const ATTEMPT_CALLS = ['fetch', 'cat-file', 'hash-object', 'mktree', 'commit-tree', 'push'];

/** A repository using `origin` as its coordination remote, and that bare remote. */
function coordinatedRepo(prefix) {
  const repo = makeRepo(prefix, { files: { '.agentsync.json': `${JSON.stringify(REMOTE_CONFIG, null, 2)}\n` } });
  const remote = addBareRemote(repo, prefix);
  return { repo, remote };
}

const stateOf = (remote) => JSON.parse(remote.git(['show', `${STATE_REF}:state.json`]));

/** (a): one claim through the remote, beside one push and one Node start. */
function oneClaim({ quick }) {
  const runs = quick ? 5 : 21;
  progress(`remote: one claim through a bare remote (200 claims held), then ${runs} interleaved rounds`);
  const { repo, remote } = coordinatedRepo('remote');
  const cwd = repo.dir;
  const env = benchEnv();
  // The remote starts every claim from the same state: 200 live claims by 40 other agents.
  const base = writeState(remote, othersClaims());
  const resetState = () => remote.git(['update-ref', STATE_REF, base]);
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
  if (!stateOf(remote).claims.some((c) => c.holder === 'bench-claimer' && c.glob === 'area/**')) throw new Error('remote: the claim did not reach the remote');
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

/**
 * Every commit object in `clone` authored by one of `agents`: each attempt of
 * a write makes one (with the state's timestamps in it, so no two are equal),
 * whether or not its push then wins.
 */
function attemptsIn(clone, agents) {
  const commits = clone
    .git(['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectname)'])
    .split('\n')
    .filter((line) => line.startsWith('commit '))
    .map((line) => line.slice(7));
  const authors = clone.git(['log', '--no-walk=unsorted', '--stdin', '--format=%an'], { input: `${commits.join('\n')}\n` }).split('\n');
  return authors.filter((name) => agents.has(name)).length;
}

/** (b): `agents` claims at once from 4 clones, each its own glob. */
async function crowd({ quick }) {
  const agents = quick ? 50 : 200;
  progress(`remote: ${agents} agents claim at once through one bare remote (${CLONES} clones, run once; minutes in a full run)`);
  const { repo, remote } = coordinatedRepo('crowd');
  writeState(remote, []);
  const clones = [repo, ...Array.from({ length: CLONES - 1 }, (_, k) => cloneRepo(remote.dir, `crowd-clone-${k + 1}`))];
  const env = benchEnv();
  const jobs = Array.from({ length: agents }, (_, i) => ({
    cmd: NODE,
    args: [CLI, 'claim', `mod${i}/**`, '--agent', `a${i}`],
    cwd: clones[i % CLONES].dir,
    env,
  }));
  const { wallMs, results } = await spawnAll(jobs, {
    onTick: (done, ms) => progress(`remote: ${done} of ${agents} agents answered after ${(ms / 1000).toFixed(0)} s`),
    tickMs: 30_000,
  });

  const held = new Set(stateOf(remote).claims.map((c) => `${c.holder} ${c.glob}`));
  const present = jobs.filter((_, i) => held.has(`a${i} mod${i}/**`)).length;
  const exitedOk = results.filter((r) => r.code === 0).length;
  const silentlyLost = results.filter((r, i) => r.code === 0 && !held.has(`a${i} mod${i}/**`)).length;
  const refusals = [...new Set(results.filter((r) => r.code !== 0).map((r) => r.stderr.trim().split('\n')[0]))];
  const writes = Number(remote.git(['rev-list', '--count', STATE_REF]).trim()) - 1;
  const attempts = clones.reduce(
    (sum, clone, k) => sum + attemptsIn(clone, new Set(jobs.flatMap((_, i) => (i % CLONES === k ? [`a${i}`] : [])))),
    0,
  );
  const times = results.map((r) => r.ms);
  return {
    agents,
    wallMs,
    exitedOk,
    present,
    silentlyLost,
    refusals,
    writes,
    attempts,
    perAgent: { samples: times, runs: times.length, median: median(times), min: Math.min(...times), max: Math.max(...times) },
    claimsHeld: held.size,
  };
}

export async function runRemoteBench({ quick = false } = {}) {
  const { stats, breakdown, traced } = oneClaim({ quick });
  const c = await crowd({ quick });

  const node = stats.get('node').median;
  const push = stats.get('push').median;
  const claim = stats.get('claim').median;
  const once = (ms) => ({ samples: [ms], runs: 1, median: ms, min: ms, max: ms });
  // Per attempt of the write loop (store.ts updateState): a fetch, reading the state, three object writes, a push.
  const perAttempt = ATTEMPT_CALLS.reduce((sum, sub) => sum + (breakdown.calls.get(sub) ?? 0), 0);
  const perWin = breakdown.calls.get('update-ref') ?? 0;
  const perProcess = breakdown.gitCalls - perAttempt - perWin;
  const oneOff = [...breakdown.calls.keys()].filter((sub) => !ATTEMPT_CALLS.includes(sub) && sub !== 'update-ref');
  const gitCalls = c.attempts * perAttempt + c.writes * perWin + c.agents * perProcess;
  const fetches = breakdown.calls.get('fetch') ?? 0;
  const pushes = breakdown.calls.get('push') ?? 0;
  const lost = c.agents - c.present;
  return {
    id: 'remote',
    title: 'claims through a coordination remote (issue "Across machines")',
    variants: [
      ['(a) node -e 0', stats.get('node')],
      ['(a) git push of a new commit to refs/bench/x', stats.get('push')],
      ['(a) agentsync claim through the remote (200 claims held)', stats.get('claim')],
      [`(b) ${c.agents} agents claim at once: wall, first start to last exit`, once(c.wallMs)],
      [`(b) ${c.agents} agents: each agent's time to its answer`, c.perAgent],
    ],
    goals: [
      { label: 'claim through the remote', subjectMs: claim, baseline: 'git push (one ref)', baselineMs: push, goal: `≤ 2× = ${(2 * push).toFixed(0)} ms`, pass: claim <= 2 * push },
      { label: 'claim through the remote', subjectMs: claim, baseline: 'node -e 0 + git push', baselineMs: node + push, goal: '— (the floor of a Node program that pushes once)' },
      {
        label: `${c.agents} agents claim at once`,
        subjectMs: c.wallMs,
        baseline: `${c.agents} × one claim (a), serial`,
        baselineMs: c.agents * claim,
        goal: `0 lost: ${c.present} of ${c.agents} present`,
        pass: lost === 0,
      },
    ],
    breakdown: {
      title: `Where one claim through the remote spends its time (${traced} traced claims, medians; the tracer adds a little):`,
      rows: breakdown.rows,
    },
    notes: [
      `(a) every claim starts from the same remote state (200 live claims by 40 agents, reset untimed); it makes ${breakdown.gitCalls} git calls, ${fetches} fetch, ${pushes} push and ${breakdown.calls.get('ls-remote') ?? 0} ls-remote among them, and starts Node (node -e 0: ${fmtMs(node)} ms, ${(node / push).toFixed(1)}× the push)${node > 2 * push ? ': Node\'s start alone is over the 2× budget, whatever the claim does after it' : ''}`,
      '(a) the push baseline sends one new commit of an existing tree (`git push origin <sha>:refs/bench/x`, a fast-forward, the commit made untimed); the claim\'s push sends a new state.json, its tree and commit, with a lease (`--force-with-lease --atomic`)',
      `(b) ${c.exitedOk} of ${c.agents} exited 0; the remote's state holds ${c.claimsHeld} claims afterwards, ${c.present} of them the agents'; ${lost} missing: ${c.agents - c.exitedOk} refused (non-zero exit), ${c.silentlyLost} lost silently (exit 0 but absent)${c.refusals.length ? `; refusals said: "${c.refusals.join('" / "')}"` : ''}`,
      `(b) ${c.writes} writes reached the remote out of ${c.attempts} attempts (commits the ${CLONES} clones built for their agents), ${(c.attempts / c.agents).toFixed(1)} per agent: each attempt is a fetch, 4 local git calls and a push with a lease (${perAttempt} git calls, counted in (a)'s trace), a win adds ${perWin} (update-ref of the local copy) and each process ${perProcess} more (${oneOff.join(', ') || 'none'}), so about ${Math.round(gitCalls)} git calls in all against ${c.agents * breakdown.gitCalls} uncontended`,
      `(b) why O(n²): the remote is one compare-and-swap register; of the writers that fetched the same state only the first push wins, the others lose the lease, fetch again and retry after a jittered backoff until the store's retry budget (packages/core/src/store/store.ts) runs out. In lockstep each round would cost every writer still waiting one attempt: n × (n + 1) / 2 attempts for n agents, ${perAttempt} git calls each. The backoff spreads the writers out so fewer collide (the attempts per agent above are what it came to here) at the price of waiting, and past some n the last writers run out of budget and are refused`,
      `(b) the wall time is from spawning all ${c.agents} processes to the last exit, on ${os.cpus().length} cores shared by every Node start, git call and the remote's receive-pack: the time until the last agent has its answer (or its refusal), not one claim's latency; the per-agent row shows each agent's own wait. The serial baseline is ${c.agents} × (a)'s claim, what a perfect queue would take`,
    ],
  };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runRemoteBench(flags));
}
