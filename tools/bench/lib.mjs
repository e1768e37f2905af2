/**
 * What every benchmark shares: timing a child process, medians, interleaved
 * sampling, throwaway repositories, the coordination state written straight
 * into refs/agentsync/state, machine facts and table formatting.
 *
 * Only Node built-ins: the benchmarks add no dependency to the workspace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'packages/cli/bin/agentsync.js');
export const CORE_DIST = join(ROOT, 'packages/core/dist');
export const NODE = process.execPath;
/** The preload profile-hook.mjs and the breakdowns use: it records requires and git calls. */
export const TRACE = join(ROOT, 'tools/bench/trace.cjs');

/** `--quick` asks for fewer runs; `--keep` leaves the temp directories for inspection. */
export function parseFlags(argv = process.argv.slice(2)) {
  return { quick: argv.includes('--quick'), keep: argv.includes('--keep') };
}

/** True when the module at `url` is the script node was started with. */
export const isMain = (url) => process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(url);

// ---------------------------------------------------------------------------
// Processes

/**
 * The environment every measured command runs in: no agent identity or hook
 * switches leaking in from the caller, no user or system git config (a global
 * core.hooksPath or commit.gpgSign would change what is measured), a fixed author.
 */
export function benchEnv(extra = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(AGENTSYNC|HUSKY|GIT_|CLAUDE|CODEX|GEMINI|COPILOT|NODE_OPTIONS$|NODE_DEBUG$)/.test(key)),
  );
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
    NO_COLOR: '1',
    ...extra,
  };
}

/**
 * Runs a command to completion. Throws when its exit code is not one of
 * `expect` (default [0]), showing its output: a benchmark of a failing command
 * measures nothing.
 */
export function run(cmd, args, { cwd, env = benchEnv(), input, expect = [0] } = {}) {
  const result = spawnSync(cmd, args, { cwd, env, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (!expect.includes(result.status)) {
    const shown = [cmd, ...args].map((a) => (a.length > 80 ? `${a.slice(0, 77)}…` : a));
    const argsNote = args.length > 12 ? ` (${args.length} arguments)` : '';
    throw new Error(
      `${shown.slice(0, 12).join(' ')}${argsNote} exited ${result.status ?? result.signal}, expected ${expect.join(' or ')}\n` +
        `${result.stdout}${result.stderr}`.trim().slice(0, 4000),
    );
  }
  return result;
}

/** Milliseconds one run of a command takes, wall clock around spawnSync. */
export function timeRun(cmd, args, options) {
  const start = process.hrtime.bigint();
  const result = run(cmd, args, options);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, result };
}

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The stats of `name` as what it adds over a baseline median (a commit or a
 * push with no hook): a row for the variants table, with no min and max, since
 * the difference of two medians has none.
 */
export function addedOver(stats, name, baselineMs) {
  return { ...stats.get(name), median: stats.get(name).median - baselineMs, min: NaN, max: NaN };
}

/**
 * Samples every variant `runs` times, interleaved: each round runs every
 * variant once, the order rotated from round to round, so drift (thermal,
 * page cache, a neighbour's load) spreads over all variants instead of
 * landing on one. One untimed warm-up round comes first.
 *
 * A variant is { name, cmd, args, cwd?, env?, expect?, before?(round) }; `before`
 * runs untimed just ahead of each sample (for example to stage a change).
 * Returns Map name -> { samples, median, min, max, runs }.
 */
export function sampleInterleaved(variants, { runs, warmup = 1 } = {}) {
  const samples = new Map(variants.map((v) => [v.name, []]));
  for (let round = -warmup; round < runs; round++) {
    const order = variants.map((_, i) => variants[(i + Math.max(round, 0)) % variants.length]);
    for (const variant of order) {
      variant.before?.(round);
      const { ms } = timeRun(variant.cmd, variant.args, variant);
      if (round >= 0) samples.get(variant.name).push(ms);
    }
  }
  return new Map(
    [...samples].map(([name, xs]) => [name, { samples: xs, runs: xs.length, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }]),
  );
}

/**
 * Starts every job at once (each { cmd, args, cwd?, env? }) and waits for all
 * of them: a crowd, not a sample. Returns the wall time from the first start to
 * the last exit and, per job, its exit code, its own time to exit and its stderr.
 * `onTick(done, elapsedMs)` is called every `tickMs` while it runs.
 */
export function spawnAll(jobs, { onTick, tickMs = 10_000 } = {}) {
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
  let done = 0;
  const timer = onTick ? setInterval(() => onTick(done, elapsed()), tickMs) : undefined;
  const one = (job) =>
    new Promise((resolvePromise) => {
      const child = spawn(job.cmd, job.args, { cwd: job.cwd, env: job.env ?? benchEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (text) => {
        stderr = (stderr + text).slice(-4000);
      });
      const finish = (code, error) => {
        done++;
        resolvePromise({ code, ms: elapsed(), stderr: error ? String(error) : stderr });
      };
      child.once('error', (error) => finish(null, error));
      child.once('close', (code) => finish(code));
    });
  return Promise.all(jobs.map(one)).then((results) => {
    if (timer) clearInterval(timer);
    return { wallMs: elapsed(), results };
  });
}

// ---------------------------------------------------------------------------
// Throwaway repositories

const tempDirs = [];
let keepTemp = false;
export function keepTempDirs(keep) {
  keepTemp = keep;
}
// Ctrl-C between samples still removes the temp folders.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
process.on('exit', () => {
  if (keepTemp) {
    if (tempDirs.length) console.error(`(kept ${tempDirs.join(', ')})`);
    return;
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix) {
  const dir = realpathSync(mkdtempSync(join(os.tmpdir(), `agentsync-bench-${prefix}-`)));
  tempDirs.push(dir);
  return dir;
}

/** Writes files (path -> content) under `root`, creating folders. */
export function writeFiles(root, files) {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/**
 * A fresh repository with `files` committed on `branch`, git config isolated
 * by benchEnv(). Returns { dir, git(args, options) }.
 */
export function makeRepo(prefix, { files = {}, branch = 'main' } = {}) {
  const dir = tempDir(prefix);
  const git = (args, options = {}) => run('git', args, { cwd: dir, ...options }).stdout;
  git(['init', '-q', '-b', branch]);
  writeFiles(dir, { '.agentsync.json': '{}\n', ...files });
  git(['add', '-A']);
  git(['commit', '-q', '--no-verify', '-m', 'Bench fixture']);
  return { dir, git };
}

/** A bare repository that `repo` gets as `origin`, with `repo`'s branch pushed to it. Returns { dir, git }. */
export function addBareRemote(repo, prefix, { branch = 'main' } = {}) {
  const dir = tempDir(`${prefix}-remote`);
  const git = (args, options = {}) => run('git', args, { cwd: dir, ...options }).stdout;
  git(['init', '-q', '--bare', '-b', branch]);
  repo.git(['remote', 'add', 'origin', dir]);
  repo.git(['push', '-q', '--no-verify', 'origin', `HEAD:refs/heads/${branch}`]);
  return { dir, git };
}

/** A clone of `remoteDir` (its default branch checked out). Returns { dir, git }. */
export function cloneRepo(remoteDir, prefix) {
  const dir = tempDir(prefix);
  run('git', ['clone', '-q', remoteDir, dir]);
  return { dir, git: (args, options = {}) => run('git', args, { cwd: dir, ...options }).stdout };
}

let scratch;
/** A fresh path in a temp folder of this run, for trace output and the like. */
export function scratchFile(name) {
  scratch ??= { dir: tempDir('scratch'), n: 0 };
  return join(scratch.dir, `${scratch.n++}-${name}`);
}

/**
 * A folder for `core.hooksPath` holding the given hooks (name -> shell body),
 * under `root`/.bench-hooks/`name`; no hooks makes the folder of a bare run.
 */
export function hookFolder(root, name, hooks = {}) {
  const dir = join(root, '.bench-hooks', name);
  mkdirSync(dir, { recursive: true });
  for (const [hook, body] of Object.entries(hooks)) writeFileSync(join(dir, hook), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return dir;
}

/**
 * Runs a git command and throws unless git ran `hookFile` (GIT_TRACE, to a file:
 * on stderr it would garble what a hook reads from git). Returns the run's result.
 */
export function runGitWithHook(args, hookFile, { cwd, env = benchEnv(), expect } = {}) {
  const traceFile = scratchFile('git-trace.log');
  const result = run('git', args, { cwd, env: { ...env, GIT_TRACE: traceFile }, expect });
  const trace = readFileSync(traceFile, 'utf8');
  if (!trace.includes(hookFile)) throw new Error(`git ${args[0] === '-c' ? args[2] : args[0]} did not run ${hookFile}\n${trace}`);
  return result;
}

// ---------------------------------------------------------------------------
// The coordination state, written directly (see packages/core/src/store/store.ts)

export const STATE_REF = 'refs/agentsync/state';

/** A live exclusive claim, as state.ts stores it. */
export function liveClaim(holder, glob, { now = Date.now(), ttlMs = 24 * 3600_000 } = {}) {
  return {
    holder,
    glob,
    mode: 'exclusive',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlMs).toISOString(),
  };
}

/** The built core's reader and writer of the store's files, so fixtures are what the store itself writes. */
const stateFiles = () => createRequire(import.meta.url)(join(CORE_DIST, 'store/state-files.js'));

/**
 * The state refs/agentsync/state holds in `repo` (a repo or bare remote of
 * makeRepo's shape), unpruned: its base and delta composed by the built core.
 */
export function storedState(repo) {
  const { storedState: compose } = stateFiles();
  const file = (name) => {
    const result = spawnSync('git', ['show', `${STATE_REF}:${name}`], { cwd: repo.dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return result.status === 0 ? { oid: '', type: 'blob', content: result.stdout } : undefined;
  };
  return compose(file('state.json'), file('delta.json'), STATE_REF).state;
}

/**
 * Makes refs/agentsync/state a commit whose tree holds state.json with these
 * claims (and delta.json with `deltaClaims` set on top, if any), as the store
 * writes them: a few git calls instead of one CLI call per claim. Returns the commit.
 */
export function writeState(repo, claims, sessions = [], { deltaClaims = [] } = {}) {
  const files = stateFiles();
  const blob = (text) => repo.git(['hash-object', '-w', '--stdin'], { input: text }).trim();
  let entries = `100644 blob ${blob(files.serializeState({ sessions, claims }))}\tstate.json\n`;
  if (deltaClaims.length > 0) {
    const { claimKey } = createRequire(import.meta.url)(join(CORE_DIST, 'domain/state.js'));
    const delta = { sessions: {}, claims: Object.fromEntries(deltaClaims.map((c) => [claimKey(c), c])) };
    entries += `100644 blob ${blob(files.serializeDelta(delta))}\tdelta.json\n`;
  }
  const tree = repo.git(['mktree'], { input: entries }).trim();
  const commit = repo.git(['commit-tree', tree, '-m', `bench: ${claims.length} claims`]).trim();
  repo.git(['update-ref', STATE_REF, commit]);
  return commit;
}

// ---------------------------------------------------------------------------
// Where a process's time goes (trace.cjs)

/**
 * Runs a command whose Node process preloads trace.cjs (`node -r TRACE …`, or a
 * git command whose hook does: git passes the environment on) and returns the
 * wall time and the trace: { ms, bootstrap, events }.
 */
export function tracedRun(cmd, args, { cwd, env = benchEnv(), expect, depth = 1, input } = {}) {
  const out = scratchFile('trace.json');
  const { ms } = timeRun(cmd, args, { cwd, env: { ...env, TRACE_OUT: out, TRACE_DEPTH: String(depth) }, expect, input });
  return { ms, ...JSON.parse(readFileSync(out, 'utf8')) };
}

/** Total length of the union of [start, end] intervals. */
function coveredMs(intervals) {
  let total = 0;
  let reach = -Infinity;
  for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (end > reach) {
      total += end - Math.max(start, reach);
      reach = end;
    }
  }
  return total;
}

export const BREAKDOWN_HEADERS = ['part', 'calls', 'median ms'];

/**
 * Medians over traced runs of one process: Node's own start, its git calls by
 * subcommand (calls and their summed time), the time no git call was running
 * (requires, config, the logic) and the whole, up to exit. Returns { rows,
 * gitCalls, calls: Map subcommand -> median calls per run }.
 */
export function traceBreakdown(traces) {
  const runs = traces.map(({ bootstrap, events }) => {
    const spawns = events.filter((e) => e.kind === 'spawn');
    const subs = new Map();
    for (const call of spawns) {
      // `git -c key=value sub …`: the subcommand follows the -c pairs.
      const words = call.what.split(' ');
      let at = 1;
      while (words[at] === '-c') at += 2;
      const sub = words[at] ?? call.what;
      const entry = subs.get(sub) ?? { calls: 0, ms: 0, first: call.start };
      entry.calls++;
      entry.ms += call.ms;
      subs.set(sub, entry);
    }
    const exit = events.find((e) => e.kind === 'exit')?.start ?? NaN;
    return { bootstrap, exit, subs, calls: spawns.length, gitMs: coveredMs(spawns.map((c) => [c.start, c.start + c.ms])) };
  });
  const m = (pick) => median(runs.map(pick));
  const names = [...new Set(runs.flatMap((r) => [...r.subs.keys()]))]
    .filter((sub) => runs.filter((r) => r.subs.has(sub)).length >= runs.length / 2)
    .sort((a, b) => m((r) => r.subs.get(a)?.first ?? Infinity) - m((r) => r.subs.get(b)?.first ?? Infinity));
  const calls = new Map(names.map((sub) => [sub, m((r) => r.subs.get(sub)?.calls ?? 0)]));
  const rows = [
    ['node start (bootstrap)', '—', fmtMs(m((r) => r.bootstrap))],
    ...names.map((sub) => [`git ${sub}`, calls.get(sub), fmtMs(m((r) => r.subs.get(sub)?.ms ?? 0))]),
    ['JS with no git call running (requires, config, logic)', '—', fmtMs(m((r) => r.exit - r.bootstrap - r.gitMs))],
    ['process, start to exit', m((r) => r.calls), fmtMs(m((r) => r.exit))],
  ];
  return { rows, gitCalls: m((r) => r.calls), calls };
}

// ---------------------------------------------------------------------------
// Reporting

/** The facts a reader needs to compare these numbers with their own. */
export function machineInfo() {
  const cpus = os.cpus();
  let distro = '';
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(run('cat', ['/etc/os-release']).stdout)?.[1] ?? '';
  } catch {
    // not Linux, or no os-release: os.type() and os.release() still say enough
  }
  return {
    node: process.version,
    git: run('git', ['--version']).stdout.trim().replace(/^git version /, ''),
    os: `${distro ? `${distro}, ` : ''}${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    load: loadAverage(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

/** The 1-minute load average: other work on the machine makes every figure noisier. */
export const loadAverage = () => os.loadavg()[0].toFixed(2);

export const fmtMs = (ms) => (Number.isFinite(ms) ? (Math.abs(ms) >= 100 ? ms.toFixed(0) : ms.toFixed(1)) : '—');
export const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '—');
export const passText = (pass) => (pass === undefined ? 'info' : pass ? 'PASS' : 'FAIL');

/** A plain-text table with aligned columns; numbers-looking cells align right. */
export function textTable(headers, rows) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => /^[-+]?[\d.,]+(×| ms)?$|^—$/.test(String(row[i]))));
  const line = (row) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(headers, rows) {
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => /^[-+]?[\d.,]+(×| ms)?$|^—$/.test(String(row[i]))));
  const esc = (cell) => String(cell).replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The rows every benchmark's variants table shows. */
export const VARIANT_HEADERS = ['variant', 'median ms', 'min', 'max', 'runs'];
export const variantRow = (label, stats) => [label, fmtMs(stats.median), fmtMs(stats.min), fmtMs(stats.max), stats.runs];

/** The goal table: subject, its baseline from the same run, the ratio, the goal and pass or fail. */
export const GOAL_HEADERS = ['benchmark', 'median ms', 'baseline', 'baseline ms', 'ratio', 'goal', 'result'];
export const goalRow = (g) => [g.label, fmtMs(g.subjectMs), g.baseline, fmtMs(g.baselineMs), fmtRatio(g.subjectMs / g.baselineMs), g.goal, passText(g.pass)];

/**
 * Prints one benchmark's result ({ title, variants: [[label, stats]], goals,
 * breakdown?: { title, rows }, notes })
 * as text, for a bench run on its own and for run.mjs.
 */
export function printResult(result) {
  console.log(`\n== ${result.title}`);
  console.log(textTable(VARIANT_HEADERS, result.variants.map(([label, stats]) => variantRow(label, stats))));
  if (result.goals.length) {
    console.log('');
    console.log(textTable(GOAL_HEADERS, result.goals.map(goalRow)));
  }
  if (result.breakdown) {
    console.log(`\n${result.breakdown.title}`);
    console.log(textTable(BREAKDOWN_HEADERS, result.breakdown.rows));
  }
  for (const note of result.notes ?? []) console.log(`  note: ${note}`);
}

/** Progress on stderr, so stdout stays the table. */
export const progress = (text) => process.stderr.write(`${text}\n`);
