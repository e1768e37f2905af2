/**
 * Health: run the configured checks on a tree, compare the result with a
 * session's baseline, and cache each passing result in the repository's own
 * objects, keyed by the tree and the check, so a green tree is never checked
 * twice. Results live under refs/agentsync/health/, which is local: nothing
 * pushes it by default, and every worktree of the clone shares it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../config/duration';
import type { AgentSyncConfig } from '../config/schema';
import { HealthInterrupted, UsageError } from '../errors';
import { git, readObjects, splitNul, type Repo } from '../git/git';
import type { HealthRecord } from '../domain/state';
import { TRACKER_FILE } from '../domain/tracker/constants';

const HEALTH_REF_PREFIX = 'refs/agentsync/health';
const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const OUTPUT_TAIL_CHARS = 4000;

export interface HealthCheck {
  name: string;
  /** A shell command, run from the tree's root. */
  run: string;
  timeoutMs: number;
  /** A command whose cached pass on the same tree stands for this one's: `nx run-many` covers `nx affected`. */
  coveredBy?: string;
}

export type CheckStatus = 'pass' | 'fail' | 'timeout';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  durationMs: number;
  /** The last part of stdout and stderr together. */
  outputTail: string;
  /** Whether this came from the cache rather than a run. */
  cached?: boolean;
}

export interface HealthResult {
  /**
   * The tree checked, less AgentTracker.md (the cache key); undefined when the
   * working tree had uncommitted changes (then nothing is cached).
   */
  tree?: string;
  checks: CheckResult[];
  green: boolean;
}

export interface Comparison {
  regressions: string[];
  stillRed: string[];
  fixed: string[];
  /** Whether the policy blocks: regressions (or, with `any-failure`, any failure). */
  blocked: boolean;
}

/** The checks `health.commands` and `health.targets` define; targets need Nx and, given a base, run on affected projects. */
export function healthChecks(config: AgentSyncConfig, root: string, base?: string): HealthCheck[] {
  const checks: HealthCheck[] = config.health.commands.map((c) => ({
    name: c.name,
    run: c.run,
    timeoutMs: c.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(c.timeout),
  }));
  if (config.health.targets.length === 0) return checks;
  if (!existsSync(join(root, 'nx.json'))) {
    throw new UsageError('health.targets lists Nx targets, but this repository has no nx.json.', {
      where: '.agentsync.json: health.targets',
      hint: 'Use health.commands for repositories without Nx, or remove health.targets.',
    });
  }
  for (const target of config.health.targets) {
    const nx = (scope: string) => `npx --no-install nx ${scope} -t ${shellQuote(target)} --outputStyle=static`;
    checks.push({
      name: `nx:${target}`,
      run: nx(base ? `affected --base=${shellQuote(base)}` : 'run-many'),
      timeoutMs: DEFAULT_TIMEOUT_MS,
      // Every project passing implies the affected ones pass: `end` then a push runs nothing twice.
      ...(base ? { coveredBy: nx('run-many') } : {}),
    });
  }
  return checks;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** A short hash of what a check means: its name and command (not its timeout). */
export function healthConfigHash(check: Pick<HealthCheck, 'name' | 'run'>): string {
  return createHash('sha1').update(JSON.stringify([check.name, check.run])).digest('hex').slice(0, 12);
}

const cacheRef = (tree: string, name: string, run: string) =>
  `${HEALTH_REF_PREFIX}/${tree}/${healthConfigHash({ name, run })}/${Buffer.from(name, 'utf8').toString('hex')}`;

/** Cached passes of `checks` on `tree`, in one git call; checks without one are absent from the map. */
export async function readCachedResults(repo: Repo, tree: string, checks: readonly HealthCheck[]): Promise<Map<string, CheckResult>> {
  const wanted = checks.flatMap((c) => [c.run, ...(c.coveredBy ? [c.coveredBy] : [])].map((run) => ({ name: c.name, ref: cacheRef(tree, c.name, run) })));
  const results = new Map<string, CheckResult>();
  const objects = await readObjects(repo, wanted.map((w) => w.ref));
  for (const [i, { name }] of wanted.entries()) {
    const body = objects[i]?.content;
    if (body === undefined) continue;
    try {
      const result = JSON.parse(body) as CheckResult;
      // Older versions cached failures too: only a pass may stand for a run.
      if (result.status === 'pass' && !results.has(name)) results.set(name, { ...result, name, cached: true });
    } catch {
      // A damaged cache entry is just a miss.
    }
  }
  return results;
}

/** Caches `result` of `check` on `tree`. */
export async function writeCachedResult(repo: Repo, tree: string, check: HealthCheck, result: CheckResult): Promise<void> {
  const blob = (await git(['hash-object', '-w', '--stdin'], { cwd: repo.root, input: JSON.stringify(result) })).trim();
  await git(['update-ref', cacheRef(tree, check.name, check.run), blob], { cwd: repo.root });
}

/** Processes still running, so Ctrl-C can stop every one of them. */
const running = new Set<number>();

function killGroup(pid: number) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Variables git sets for hooks (GIT_DIR in a linked worktree) that would point
 * a check's own git commands at the pusher's worktree instead of its checkout.
 */
const GIT_LOCATION = new Set(['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX']);

/**
 * Runs one check in its own process group, so a timeout kills everything it
 * started; whatever it leaves running when its shell exits is killed too, since
 * a stray child holding the output pipe would otherwise keep the check open.
 */
function runCheck(check: HealthCheck, cwd: string): Promise<CheckResult> {
  const started = Date.now();
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !GIT_LOCATION.has(key)));
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', check.run], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    let code: number | null = null;
    const collect = (text: string) => {
      output = (output + text).slice(-OUTPUT_TAIL_CHARS);
    };
    for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', collect);
    if (child.pid) running.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid);
    }, check.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (exitCode) => {
      code = exitCode;
      if (child.pid) killGroup(child.pid);
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (child.pid) running.delete(child.pid);
      const status: CheckStatus = timedOut ? 'timeout' : code === 0 ? 'pass' : 'fail';
      resolve({ name: check.name, status, durationMs: Date.now() - started, outputTail: output });
    });
  });
}

export interface RunHealthOptions {
  /** Where to run the checks: the working tree (default) or a commit, checked out in a temporary worktree unless it is HEAD on a clean tree. */
  commit?: string;
  /** The base for Nx affected. */
  base?: string;
  onStart?: (check: HealthCheck) => void;
  onResult?: (result: CheckResult) => void;
}

/**
 * The cache key of `treeish`: its tree less AgentTracker.md. The tool itself
 * writes the tracker during a session and no check depends on it, so the
 * handoff commit keeps the results of the tree it was made on.
 */
async function cacheTree(repo: Repo, treeish: string): Promise<string> {
  const entries = splitNul(await git(['ls-tree', '-z', treeish], { cwd: repo.root }));
  const kept = entries.filter((entry) => entry.slice(entry.indexOf('\t') + 1) !== TRACKER_FILE);
  return (await git(['mktree', '-z', '--missing'], { cwd: repo.root, input: kept.map((entry) => `${entry}\0`).join('') })).trim();
}

/**
 * HEAD's cache key when the working copy matches HEAD (AgentTracker.md aside),
 * else undefined (then nothing is cached). No optional locks: a hook must not
 * rewrite the index, and status would refresh it.
 */
async function cleanHeadTree(repo: Repo): Promise<string | undefined> {
  const [status, tree] = await Promise.all([
    git(['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=normal', '--', '.', `:(exclude,top)${TRACKER_FILE}`], {
      cwd: repo.root,
    }),
    cacheTree(repo, 'HEAD').catch(() => undefined), // no commits yet
  ]);
  return status === '' ? tree : undefined;
}

/** Checks out `commit` in a temporary detached worktree, sharing node_modules, and always removes it. */
async function inTemporaryWorktree<T>(repo: Repo, commit: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(mkdtempSync(join(tmpdir(), 'agentsync-health-')), 'tree');
  try {
    await git(['worktree', 'add', '--detach', '--quiet', dir, commit], { cwd: repo.root });
    const modules = join(repo.root, 'node_modules');
    if (existsSync(modules)) symlinkSync(modules, join(dir, 'node_modules'), 'dir');
    return await body(dir);
  } finally {
    await git(['worktree', 'remove', '--force', dir], { cwd: repo.root }).catch(() => undefined);
    rmSync(join(dir, '..'), { recursive: true, force: true });
    await git(['worktree', 'prune'], { cwd: repo.root }).catch(() => undefined);
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs the health checks (those already cached for the tree are not run again)
 * and caches the new passes. SIGINT, SIGTERM or SIGHUP stops every child and
 * records nothing (HealthInterrupted).
 */
export async function runHealth(repo: Repo, config: AgentSyncConfig, options: RunHealthOptions = {}): Promise<HealthResult> {
  const checks = healthChecks(config, repo.root, options.base);
  if (checks.length === 0) return { checks: [], green: true };
  // A commit's tree is known without looking at the working copy: a fully cached push reads nothing else.
  const tree = options.commit ? await cacheTree(repo, options.commit) : await cleanHeadTree(repo);
  const cached = tree ? await readCachedResults(repo, tree, checks) : new Map<string, CheckResult>();
  const missing = checks.some((c) => !cached.has(c.name));
  // A commit runs in place only when the working copy is exactly that tree; else in a temporary worktree.
  const elsewhere = options.commit && missing && tree !== (await cleanHeadTree(repo)) ? options.commit : undefined;

  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    for (const pid of running) killGroup(pid);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const results: CheckResult[] = [];
  const runAll = async (cwd: string) => {
    for (const check of checks) {
      if (interrupted) return;
      let result = cached.get(check.name);
      if (!result) {
        options.onStart?.(check);
        result = await runCheck(check, cwd);
        if (interrupted) return;
      }
      results.push(result);
      options.onResult?.(result);
    }
  };
  try {
    await (elsewhere ? inTemporaryWorktree(repo, elsewhere, runAll) : runAll(repo.root));
  } catch (error) {
    // A signal also reaches git commands in our process group: their failure is the interruption.
    if (!interrupted) throw error;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
  if (interrupted) throw new HealthInterrupted(interrupted);
  if (tree) {
    // Only passes are cached: a failure may be flaky, and a retry must really run again.
    for (const [i, result] of results.entries()) {
      if (!result.cached && result.status === 'pass') await writeCachedResult(repo, tree, checks[i], result);
    }
  }
  return { tree, checks: results, green: results.every((r) => r.status === 'pass') };
}

/** The last `lines` lines of a check's output, for showing a failure. */
export function tailOf(result: CheckResult, lines: number): string[] {
  const text = result.outputTail.trimEnd();
  return text ? text.split('\n').slice(-lines) : [];
}

/** A failing check's last `lines` output lines, each indented under a `|`, to follow the message that names it. */
export function indentedTail(result: CheckResult, lines: number): string {
  return tailOf(result, lines).map((line) => `\n    | ${line}`).join('');
}

/** The record a session keeps of its baseline. */
export function toRecord(result: HealthResult, now: Date): HealthRecord {
  return {
    tree: result.tree ?? '(uncommitted changes)',
    status: result.green ? 'green' : 'red',
    failing: result.checks.filter((c) => c.status !== 'pass').map((c) => c.name),
    at: now.toISOString(),
  };
}

/**
 * Compares a result with a baseline: green then red is a regression, red in both
 * still red, red then green fixed. Without a baseline every failure counts as a
 * regression, since nothing says it was red before.
 */
export function compareWithBaseline(
  result: HealthResult,
  baseline: HealthRecord | undefined,
  policy: AgentSyncConfig['health']['policy'],
): Comparison {
  const failing = result.checks.filter((c) => c.status !== 'pass').map((c) => c.name);
  const wasFailing = new Set(baseline?.failing ?? []);
  const regressions = failing.filter((name) => !wasFailing.has(name));
  const stillRed = failing.filter((name) => wasFailing.has(name));
  const fixed = [...wasFailing].filter((name) => result.checks.some((c) => c.name === name && c.status === 'pass'));
  const blocked = policy === 'any-failure' ? failing.length > 0 : regressions.length > 0;
  return { regressions, stillRed, fixed, blocked };
}
