#!/usr/bin/env node
/**
 * Where `agentsync hook pre-commit` spends its time: runs it N times in the
 * hooks benchmark's fixture (50 staged files, 200 live claims by others, warm
 * config cache) with tools/bench/trace.cjs preloaded, and prints the median
 * start and duration of each require (to --depth levels) and each git call,
 * relative to the process start. Not part of run.mjs: a tool for finding what
 * to make faster. The preload adds a little to every figure.
 *
 *   node tools/bench/profile-hook.mjs [--runs 15] [--depth 2] [--cold]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT, STAGED_FILES, othersClaims } from './hooks.mjs';
import { CLI, NODE, TRACE, benchEnv, fmtMs, makeRepo, median, run, textTable, tracedRun, writeFiles, writeState } from './lib.mjs';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '15' }, depth: { type: 'string', default: '2' }, cold: { type: 'boolean', default: false } },
});
const runs = Number(values.runs);

const files = {};
for (let i = 0; i < STAGED_FILES; i++) files[`src/app/file-${i}.ts`] = `export const v${i} = 0;\n`;
const repo = makeRepo('profile', { files, branch: `${AGENT}/profile` });
writeState(repo, othersClaims());
const changed = {};
for (let i = 0; i < STAGED_FILES; i++) changed[`src/app/file-${i}.ts`] = `export const v${i} = 1;\n`;
writeFiles(repo.dir, changed);
repo.git(['add', '-A']);

const env = benchEnv({ AGENTSYNC_AGENT: AGENT });
const cacheFile = join(repo.dir, '.git/agentsync/config-cache.json');
run(NODE, [CLI, 'hook', 'pre-commit'], { cwd: repo.dir, env }); // warms the config cache and the page cache

/** Events keyed by kind, depth and name plus their order of appearance, so repeated git calls stay apart. */
const samples = new Map();
const bootstraps = [];
const walls = [];
for (let i = 0; i < runs; i++) {
  if (values.cold) rmSync(cacheFile, { force: true });
  const { ms, bootstrap, events } = tracedRun(NODE, ['-r', TRACE, CLI, 'hook', 'pre-commit'], { cwd: repo.dir, env, depth: values.depth });
  walls.push(ms);
  bootstraps.push(bootstrap);
  const seen = new Map();
  for (const event of events) {
    const base = `${event.kind}\0${event.depth}\0${event.what}`;
    const nth = (seen.get(base) ?? 0) + 1;
    seen.set(base, nth);
    const key = `${base}\0${nth}`;
    const entry = samples.get(key) ?? { ...event, starts: [], durations: [] };
    entry.starts.push(event.start);
    entry.durations.push(event.ms);
    samples.set(key, entry);
  }
}

const short = (what) => what.replace(/^.*\/packages\//, 'packages/').replace(/^\.\.?\//, './');
const rows = [...samples.values()]
  .filter((e) => e.starts.length >= runs / 2)
  .map((e) => ({ ...e, start: median(e.starts), ms: median(e.durations) }))
  .sort((a, b) => a.start - b.start)
  .map((e) => [fmtMs(e.start), e.kind === 'exit' ? '' : fmtMs(e.ms), `${'  '.repeat(e.depth)}${e.kind === 'spawn' ? 'git call' : e.kind} ${short(e.what)}`]);
console.log(`agentsync hook pre-commit${values.cold ? ' (cold: no config cache)' : ''}, ${runs} runs, medians in ms from the process start`);
console.log(`node bootstrap done at ${fmtMs(median(bootstraps))} ms; wall clock per run ${fmtMs(median(walls))} ms (with the tracer)\n`);
console.log(textTable(['at ms', 'took ms', 'what'], rows));
