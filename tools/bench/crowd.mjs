#!/usr/bin/env node
/**
 * Issue "Coordination at scale": many agents claiming through one coordination
 * remote (a bare repository in the temp folder), from 4 clones.
 *
 *   (a) N agents claim distinct globs `mod<i>/**` one after another, then N
 *       other agents (a fresh remote) all at once, for N = 100 and 200 (20 and
 *       50 with --quick). Goal: the crowd's wall time ≤ the serial one's, and
 *       ≤ 3 pushes per claim at N = 100; none refused, none lost.
 *   (b) A steady load: 200 agents, 4 claims a second for a minute (15 s with
 *       --quick), with 50 ms added to every git transport call (fetch and
 *       push). Goal: p95 of a claim's latency < 2 s.
 *
 * Pushes and fetches are counted, and the latency added, by pointing each
 * clone's `remote.origin.receivepack` / `uploadpack` at a small shell script
 * that appends a line to a log, sleeps, then execs git's own
 * `git receive-pack` / `git upload-pack`: git runs that command for a local
 * remote exactly as ssh would run it on a host.
 *
 *   node tools/bench/crowd.mjs [--quick] [--keep]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLI,
  NODE,
  STATE_REF,
  storedState,
  addBareRemote,
  benchEnv,
  cloneRepo,
  isMain,
  keepTempDirs,
  makeRepo,
  median,
  parseFlags,
  printResult,
  progress,
  spawnAll,
  tempDir,
  timeRun,
  writeState,
} from './lib.mjs';

const REMOTE_CONFIG = { coordination: { remote: 'origin' } };
const CLONES = 4;
const STEADY_AGENTS = 200;
const STEADY_RATE = 4;
const LATENCY_MS = 50;

/**
 * A bare remote holding an empty state and CLONES clones whose transport runs
 * through counting (and, with `latencyMs`, slowing) wrappers. Returns the
 * clones, the remote, and counts() of pushes and fetches so far.
 */
export function crowdFixture(prefix, { latencyMs = 0 } = {}) {
  const repo = makeRepo(prefix, { files: { '.agentsync.json': `${JSON.stringify(REMOTE_CONFIG, null, 2)}\n` } });
  const remote = addBareRemote(repo, prefix);
  writeState(remote, []);
  const clones = [repo, ...Array.from({ length: CLONES - 1 }, (_, k) => cloneRepo(remote.dir, `${prefix}-clone-${k + 1}`))];
  const dir = tempDir(`${prefix}-transport`);
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const sleep = latencyMs ? `sleep ${(latencyMs / 1000).toFixed(3)}\n` : '';
  for (const service of ['receive-pack', 'upload-pack']) {
    writeFileSync(join(dir, service), `#!/bin/sh\necho ${service} >> '${log}'\n${sleep}exec git ${service} "$@"\n`, { mode: 0o755 });
  }
  for (const clone of clones) {
    clone.git(['config', 'remote.origin.receivepack', join(dir, 'receive-pack')]);
    clone.git(['config', 'remote.origin.uploadpack', join(dir, 'upload-pack')]);
  }
  const counts = () => {
    const lines = readFileSync(log, 'utf8').split('\n');
    return { pushes: lines.filter((l) => l === 'receive-pack').length, fetches: lines.filter((l) => l === 'upload-pack').length };
  };
  return { clones, remote, counts };
}

const claimJob = (clones, i, agent, glob) => ({ cmd: NODE, args: [CLI, 'claim', glob, '--agent', agent], cwd: clones[i % CLONES].dir, env: benchEnv() });

/** Which jobs' claims the remote holds, and what the others said. */
function outcome(remote, jobs, results) {
  const held = new Set(storedState(remote).claims.map((c) => `${c.holder} ${c.glob}`));
  const present = jobs.filter((job) => held.has(`${job.args[4]} ${job.args[2]}`)).length;
  const refused = results.filter((r) => r.code !== 0);
  return { present, refused: refused.length, said: [...new Set(refused.map((r) => r.stderr.trim().split('\n')[0]))] };
}

/** N claims one after another, then N at once, each on a fresh fixture. */
async function serialAndCrowd(agents) {
  progress(`crowd: ${agents} claims one after another, then ${agents} at once (${CLONES} clones)`);
  const serial = crowdFixture(`serial${agents}`);
  const serialJobs = Array.from({ length: agents }, (_, i) => claimJob(serial.clones, i, `s${i}`, `mod${i}/**`));
  const serialResults = [];
  const start = process.hrtime.bigint();
  for (const job of serialJobs) serialResults.push({ ...timeRun(job.cmd, job.args, job), code: 0, stderr: '' });
  const serialMs = Number(process.hrtime.bigint() - start) / 1e6;
  const serialOutcome = outcome(serial.remote, serialJobs, serialResults);

  const crowd = crowdFixture(`crowd${agents}`);
  const jobs = Array.from({ length: agents }, (_, i) => claimJob(crowd.clones, i, `a${i}`, `mod${i}/**`));
  const { wallMs, results } = await spawnAll(jobs, {
    onTick: (done, ms) => progress(`crowd: ${done} of ${agents} agents answered after ${(ms / 1000).toFixed(0)} s`),
    tickMs: 30_000,
  });
  const times = results.map((r) => r.ms);
  return {
    agents,
    serialMs,
    serialPushes: serial.counts().pushes,
    serialPresent: serialOutcome.present,
    wallMs,
    perAgent: stats(times),
    ...crowd.counts(),
    ...outcome(crowd.remote, jobs, results),
    writes: Number(crowd.remote.git(['rev-list', '--count', STATE_REF]).trim()) - 1,
  };
}

function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { samples: times, runs: times.length, median: median(times), min: sorted[0], max: sorted.at(-1), p95: sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] };
}

/** STEADY_AGENTS agents, STEADY_RATE claims a second for `seconds`, each a new glob, with LATENCY_MS on every transport call. */
export async function steadyLoad(seconds) {
  const total = STEADY_RATE * seconds;
  progress(`crowd: steady load, ${STEADY_RATE} claims/s for ${seconds} s by ${STEADY_AGENTS} agents, ${LATENCY_MS} ms per transport call`);
  const { clones, remote, counts } = crowdFixture('steady', { latencyMs: LATENCY_MS });
  const jobs = Array.from({ length: total }, (_, k) => ({ ...claimJob(clones, k, `agent${k % STEADY_AGENTS}`, `steady/${k}/**`), delayMs: (k * 1000) / STEADY_RATE }));
  const { results } = await spawnAll(
    jobs.map((job) => ({
      ...job,
      // Each job waits for its slot in a tiny shell, so the clock starts when the claim does.
      cmd: 'sh',
      args: ['-c', `sleep ${(job.delayMs / 1000).toFixed(3)}; exec "$0" "$@"`, job.cmd, ...job.args],
    })),
  );
  // spawnAll's times run from the common start: take each slot's delay off.
  const latencies = results.map((r, k) => r.ms - jobs[k].delayMs);
  return { total, seconds, latency: stats(latencies), ...counts(), ...outcome(remote, jobs, results) };
}

export async function runCrowdBench({ quick = false } = {}) {
  const sizes = quick ? [20, 50] : [100, 200];
  const runs = [];
  for (const n of sizes) runs.push(await serialAndCrowd(n));
  const steady = await steadyLoad(quick ? 15 : 60);
  const once = (ms) => ({ samples: [ms], runs: 1, median: ms, min: ms, max: ms });
  const variants = runs.flatMap((r) => [
    [`(a) ${r.agents} claims one after another: wall`, once(r.serialMs)],
    [`(a) ${r.agents} agents claim at once: wall, first start to last exit`, once(r.wallMs)],
    [`(a) ${r.agents} agents at once: each agent's time to its answer`, r.perAgent],
  ]);
  variants.push([`(b) steady load: each claim's latency (${steady.total} claims)`, steady.latency]);
  const goals = runs.flatMap((r) => [
    {
      label: `${r.agents} agents claim at once`,
      subjectMs: r.wallMs,
      baseline: `the same ${r.agents} claims one after another`,
      baselineMs: r.serialMs,
      goal: `≤ 1× = ${r.serialMs.toFixed(0)} ms; 0 refused, 0 lost (${r.present} of ${r.agents} present)`,
      pass: r.wallMs <= r.serialMs && r.refused === 0 && r.present === r.agents,
    },
    ...(r.agents === 100 || quick
      ? [{ label: `${r.agents} agents: pushes per claim`, subjectMs: r.pushes / r.agents, baseline: 'one push per claim', baselineMs: 1, goal: '≤ 3', pass: r.pushes / r.agents <= 3 }]
      : []),
  ]);
  goals.push({
    label: 'steady load: p95 claim latency',
    subjectMs: steady.latency.p95,
    baseline: 'median',
    baselineMs: steady.latency.median,
    goal: `< 2000 ms; 0 refused, 0 lost (${steady.present} of ${steady.total} present)`,
    pass: steady.latency.p95 < 2000 && steady.refused === 0 && steady.present === steady.total,
  });
  return {
    id: 'crowd',
    title: 'a crowd of agents claiming through one coordination remote (issue "Coordination at scale")',
    variants,
    goals,
    notes: [
      ...runs.map(
        (r) =>
          `(a) N = ${r.agents}: serially ${r.serialPushes} pushes (${r.serialPresent} of ${r.agents} present); at once ${r.pushes} pushes (${(r.pushes / r.agents).toFixed(2)} per claim) and ${r.fetches} fetches for ${r.writes} state commits, ${r.refused} refused${r.said.length ? ` ("${r.said.join('" / "')}")` : ''}, ${r.agents - r.present} missing; p95 of an agent's wait ${r.perAgent.p95.toFixed(0)} ms`,
      ),
      `(a) the agents of one clone hand their writes to one writer, which publishes them in one push (packages/core/src/store/write-queue.ts, docs/store.md); the ${CLONES} clones' writers race at the remote and a loser rebases at once`,
      `(b) ${steady.total} claims, one every ${1000 / STEADY_RATE} ms, by ${STEADY_AGENTS} agents over ${CLONES} clones, each a new glob; every fetch and push waits ${LATENCY_MS} ms first (the transport wrapper); ${steady.pushes} pushes, ${steady.fetches} fetches; ${steady.refused} refused, ${steady.total - steady.present} missing; latency median ${steady.latency.median.toFixed(0)} ms, p95 ${steady.latency.p95.toFixed(0)} ms, max ${steady.latency.max.toFixed(0)} ms`,
      'wall times run from spawning the processes to the last exit, on 2 cores shared by every Node start, git call and the remote\'s receive-pack; a latency includes the Node start (about 60 ms here)',
    ],
  };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runCrowdBench(flags));
}
