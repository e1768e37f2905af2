/**
 * Health: run the configured checks on a tree, compare the result with a
 * session's baseline, and cache each passing result in the repository's own
 * objects, keyed by the tree, the health config and the check, so a green tree
 * is never checked twice. Results live under refs/agentsync/health/, which is local:
 * nothing pushes it by default.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from './config/duration';
import type { AgentSyncConfig } from './config/schema';
import { UsageError } from './errors';
import { git, tryGit, type Repo } from './git';
import type { HealthRecord } from './state';
import { TRACKER_FILE } from './tracker/constants';

export const HEALTH_REF_PREFIX = 'refs/agentsync/health';
const DEFAULT_TIMEOUT_MS = 15 * 60_000;
const OUTPUT_TAIL_CHARS = 4000;

export interface HealthCheck {
  name: string;
  /** A shell command, run from the tree's root. */
  run: string;
  timeoutMs: number;
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
  /** The tree checked; undefined when the working tree had uncommitted changes (then nothing is cached). */
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

/** The checks `health.commands` and `health.targets` define; targets need Nx and run on affected projects. */
export function healthChecks(config: AgentSyncConfig, root: string, base?: string): HealthCheck[] {
  const checks = config.health.commands.map((c) => ({
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
  const scope = base ? `affected --base=${shellQuote(base)}` : 'run-many';
  for (const target of config.health.targets) {
    checks.push({
      name: `nx:${target}`,
      run: `npx --no-install nx ${scope} -t ${shellQuote(target)} --outputStyle=static`,
      timeoutMs: DEFAULT_TIMEOUT_MS,
    });
  }
  return checks;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** A short hash of everything in the config that changes what a check means. */
export function healthConfigHash(checks: readonly HealthCheck[]): string {
  return createHash('sha1').update(JSON.stringify(checks.map((c) => [c.name, c.run]))).digest('hex').slice(0, 12);
}

const cacheRef = (tree: string, configHash: string, name: string) =>
  `${HEALTH_REF_PREFIX}/${tree}/${configHash}/${Buffer.from(name, 'utf8').toString('hex')}`;

/** Cached results for `checks` on `tree`, in one git call; missing ones are absent from the map. */
export async function readCachedResults(repo: Repo, tree: string, checks: readonly HealthCheck[]) {
  const hash = healthConfigHash(checks);
  const input = checks.map((c) => `contents ${cacheRef(tree, hash, c.name)}\n`).join('');
  const out = checks.length ? await git(['cat-file', '--batch-command'], { cwd: repo.root, input }) : '';
  const results = new Map<string, CheckResult>();
  let rest = out;
  for (const check of checks) {
    const headerEnd = rest.indexOf('\n');
    const header = rest.slice(0, headerEnd);
    rest = rest.slice(headerEnd + 1);
    if (header.endsWith(' missing')) continue;
    const size = Number(header.split(' ')[2]);
    const body = Buffer.from(rest, 'utf8');
    const json = body.subarray(0, size).toString('utf8');
    rest = body.subarray(size + 1).toString('utf8');
    try {
      results.set(check.name, { ...(JSON.parse(json) as CheckResult), cached: true });
    } catch {
      // A damaged cache entry is just a miss.
    }
  }
  return results;
}

async function writeCachedResult(repo: Repo, tree: string, checks: readonly HealthCheck[], result: CheckResult) {
  const blob = (await git(['hash-object', '-w', '--stdin'], { cwd: repo.root, input: JSON.stringify(result) })).trim();
  await git(['update-ref', cacheRef(tree, healthConfigHash(checks), result.name), blob], { cwd: repo.root });
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

/** Runs one check in its own process group, so a timeout kills everything it started. */
export function runCheck(check: HealthCheck, cwd: string, onOutput?: (chunk: string) => void): Promise<CheckResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', check.run], { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-OUTPUT_TAIL_CHARS);
      onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    if (child.pid) running.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid);
    }, check.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (child.pid) running.delete(child.pid);
      const status: CheckStatus = timedOut ? 'timeout' : code === 0 ? 'pass' : 'fail';
      resolve({ name: check.name, status, durationMs: Date.now() - started, outputTail: output });
    });
  });
}

/** Thrown when the run was interrupted: nothing is recorded. */
export class HealthInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`Health checks interrupted by ${signal}; nothing was recorded.`);
  }
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
 * HEAD's tree when the working copy matches it, else undefined (then nothing is
 * cached). AgentTracker.md does not count: the tool itself writes it during a
 * session, and no check depends on it.
 */
async function cleanHeadTree(repo: Repo): Promise<string | undefined> {
  const [status, tree] = await Promise.all([
    git(['status', '--porcelain', '-z', '--untracked-files=normal', '--', '.', `:(exclude,top)${TRACKER_FILE}`], { cwd: repo.root }),
    tryGit(['rev-parse', '-q', '--verify', 'HEAD^{tree}'], { cwd: repo.root }),
  ]);
  return status === '' && tree ? tree.trim() : undefined;
}

/** Checks out `commit` in a temporary detached worktree, sharing node_modules, and always removes it. */
async function inTemporaryWorktree<T>(repo: Repo, commit: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(mkdtempSync(join(tmpdir(), 'agentsync-health-')), 'tree');
  await git(['worktree', 'add', '--detach', '--quiet', dir, commit], { cwd: repo.root });
  try {
    const modules = join(repo.root, 'node_modules');
    if (existsSync(modules)) symlinkSync(modules, join(dir, 'node_modules'), 'dir');
    return await body(dir);
  } finally {
    await git(['worktree', 'remove', '--force', dir], { cwd: repo.root }).catch(() => undefined);
    rmSync(join(dir, '..'), { recursive: true, force: true });
    await git(['worktree', 'prune'], { cwd: repo.root }).catch(() => undefined);
  }
}

/**
 * Runs the health checks (those already cached for the tree are not run again)
 * and caches the new results. SIGINT or SIGTERM stops every child and records
 * nothing (HealthInterrupted).
 */
export async function runHealth(repo: Repo, config: AgentSyncConfig, options: RunHealthOptions = {}): Promise<HealthResult> {
  const checks = healthChecks(config, repo.root, options.base);
  if (checks.length === 0) return { checks: [], green: true };
  // A commit's tree is known without looking at the working copy: a fully cached push reads nothing else.
  const commitTree = options.commit
    ? (await git(['rev-parse', '--verify', `${options.commit}^{tree}`], { cwd: repo.root })).trim()
    : undefined;
  const tree = commitTree ?? (await cleanHeadTree(repo));
  const cached = tree ? await readCachedResults(repo, tree, checks) : new Map<string, CheckResult>();
  const missing = checks.filter((c) => !cached.has(c.name));
  // In place only when the working copy is exactly that commit; else a temporary worktree.
  const inPlace = !options.commit || (missing.length > 0 && commitTree === (await cleanHeadTree(repo)));
  const commit = inPlace ? undefined : options.commit;

  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    for (const pid of running) killGroup(pid);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  const fresh: CheckResult[] = [];
  try {
    const runAll = async (cwd: string) => {
      for (const check of missing) {
        if (interrupted) break;
        options.onStart?.(check);
        const result = await runCheck(check, cwd);
        if (interrupted) break;
        fresh.push(result);
        options.onResult?.(result);
      }
    };
    if (missing.length > 0) await (commit ? inTemporaryWorktree(repo, commit, runAll) : runAll(repo.root));
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  if (interrupted) throw new HealthInterrupted(interrupted);
  if (tree) {
    // Only passes are cached: a failure may be flaky, and a retry must really run again.
    for (const result of fresh.filter((r) => r.status === 'pass')) await writeCachedResult(repo, tree, checks, result);
  }
  for (const result of cached.values()) options.onResult?.(result);
  const results = checks.map((c) => cached.get(c.name) ?? fresh.find((r) => r.name === c.name)!);
  return { tree, checks: results, green: results.every((r) => r.status === 'pass') };
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
