/**
 * Everything an operation needs to know about where it runs: the repository,
 * its configuration, who is acting and what time it is.
 */
import { join, relative, resolve, sep } from 'node:path';
import type { AgentSyncConfig } from '../config/schema';
import { ClaimConflictError, RemoteUnreachableError, UsageError } from '../errors';
import { openRepo, type Repo } from '../git/git';
import { requireAgentIn, resolveAgentIn, type IdentityInputs } from './identity';
import { parseDuration } from '../config/duration';
import { loadConfigCached } from '../config/cached';
import { refreshRef, remoteOptions } from '../store/remote';
import { readState, STATE_REF, type Snapshot, type StoreOptions } from '../store/store';
import { storeAuthorization } from '../git/signing';

export interface Context {
  repo: Repo;
  config: AgentSyncConfig;
  /** Whether the repository has a `.agentsync.json` at all. */
  configured: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `--agent` from the command line, if given. */
  agentFlag?: string;
  /** The agent-tool session this process acts for, when its environment does not say (an MCP server's, from its tool's hooks). */
  instance?: IdentityInputs['instance'];
  now: () => Date;
}

export interface ContextOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  agentFlag?: string;
  now?: () => Date;
}

/** Opens the repository around `cwd` and loads and validates its configuration. */
export async function openContext(options: ContextOptions): Promise<Context> {
  const repo = await openRepo(options.cwd);
  // Validated once per content of the file: an unchanged config costs no zod load.
  const { config, exists } = await loadConfigCached(repo.root, cacheDir(repo));
  return { ...options, repo, config, configured: exists, now: options.now ?? (() => new Date()) };
}

/** The acting agent, or undefined for a person with no identity set. */
export async function findAgent(ctx: Context): Promise<string | undefined> {
  return (await resolveAgentIn(ctx.repo, ctx.env, ctx.agentFlag, ctx.instance))?.agent;
}

/** The acting agent; a clear exit-2 error naming the four ways to set one when there is none. */
export async function requireAgent(ctx: Context): Promise<string> {
  return (await requireAgentIn(ctx.repo, ctx.env, ctx.agentFlag, ctx.instance)).agent;
}

/** The claim lease length from `claims.ttl`, or from an explicit ttl (`--ttl`, MCP `ttl`). */
export function claimTtlMs(ctx: Context, override?: string): number {
  if (override === undefined) return parseDuration(ctx.config.claims.ttl);
  try {
    // A bare number on the command line means seconds, as in the config.
    return parseDuration(/^\d+$/.test(override) ? Number(override) : override);
  } catch (error) {
    // parseDuration names the value too: say it once.
    throw new UsageError(`Invalid ttl ${JSON.stringify(override)}: ${(error as Error).message.replace(/^Invalid duration [^:]*: /, '')}`, {
      hint: 'Give a duration such as 30m, 2h or 1d.',
    });
  }
}

/** A relative POSIX path without `.`, `..` or empty segments (names may hold any other character). */
const CLEAN_RELATIVE = /^(?!\/)(?!(?:.*\/)?\.\.?(?:\/|$))(?!.*\/\/)(?!.*\/$)./s;

/** Turns a path given on the command line (relative to cwd) into a repo-relative POSIX path. */
export function repoPath(ctx: Context, path: string): string {
  // Most paths come already clean and relative to the root (from scripts, from git): no resolving.
  if (ctx.cwd === ctx.repo.root && CLEAN_RELATIVE.test(path)) return path;
  const rel = relative(ctx.repo.root, resolve(ctx.cwd, path));
  // `..x.ts` is a file name, not a way out of the repository.
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || resolve(rel) === rel) {
    throw new UsageError(`Path ${JSON.stringify(path)} is not a path inside the repository ${ctx.repo.root}.`, {
      hint: 'Give paths of files inside the working tree, relative to the current directory.',
    });
  }
  return rel.split(sep).join('/');
}

/**
 * Turns a glob given on the command line into one relative to the repository
 * root. Like check's paths it is relative to the current directory, so that
 * `claim index.js` and `check index.js` in a subfolder mean the same file.
 * Leading `..` segments climb from there; what is left is normalizeGlob's to judge.
 */
export function repoGlob(ctx: Context, glob: string): string {
  const prefix = relative(ctx.repo.root, ctx.cwd).split(sep).filter(Boolean);
  if (prefix.length === 0 || glob.startsWith('/') || /^[A-Za-z]:[\\/]/.test(glob)) return glob;
  const segments = glob.split('/').filter((segment) => segment !== '' && segment !== '.');
  while (segments[0] === '..' && prefix.length > 0 && prefix[0] !== '..') {
    segments.shift();
    prefix.pop();
  }
  return [...prefix, ...segments].join('/') || '.';
}

/** Where AgentSync keeps caches and locks: under the common git dir, shared by worktrees, never committed. */
export function cacheDir(repo: Repo): string {
  return join(repo.commonDir, 'agentsync');
}

/** Store options for a write by `actor`: the clock, the coordination remote if configured, and with signed identities the proof of `actor`'s key. */
export function storeOptions(ctx: Context, actor: string): StoreOptions {
  return { actor, now: ctx.now, remote: remoteOptions(ctx.config), ...storeAuthorization(ctx.repo, ctx.config.identity.allowedSigners, ctx.env) };
}

/** A state as {@link readFreshState} read it. */
export type FreshSnapshot = Snapshot & { offline?: string; fetched?: true };

/**
 * The state fetched again, to confirm a block found in `snapshot`: a release
 * made on another machine counts at once. Undefined when `snapshot` stands:
 * no coordination remote, the host unreachable, or `snapshot` just fetched
 * (its answer is that fetch; a host that did not answer would cost a second
 * timeout, past an agent tool's).
 */
export async function confirmingState(ctx: Context, snapshot: FreshSnapshot): Promise<FreshSnapshot | undefined> {
  if (!ctx.config.coordination.remote || snapshot.offline || snapshot.fetched) return undefined;
  return readFreshState(ctx, true);
}

/**
 * The state, refreshed from the coordination remote when the local copy is older
 * than the freshness window (or `force`); `fetched` says the host was just asked.
 * Unreachable: the local view with a warning, unless coordination.offline is
 * "block" or the caller is about to write (`allowOffline` false), which must not
 * start what it cannot finish.
 */
export async function readFreshState(ctx: Context, force = false, allowOffline = true): Promise<FreshSnapshot> {
  const remote = remoteOptions(ctx.config);
  let offline: string | undefined;
  let fetched = false;
  if (remote) {
    try {
      fetched = await refreshRef(ctx.repo, remote, STATE_REF, force);
    } catch (error) {
      if (!(error instanceof RemoteUnreachableError) || remote.offline === 'block' || !allowOffline) throw error;
      offline = error.message;
    }
  }
  return { ...(await readState(ctx.repo)), ...(offline ? { offline } : {}), ...(fetched ? { fetched } : {}) };
}

/**
 * Runs `claiming`; when it is refused on other agents' claims, records the
 * refusal in the audit log (best effort, see store/audit) before the error goes on.
 */
export async function recordingRefusal<T>(ctx: Context, agent: string, claiming: () => Promise<T>): Promise<T> {
  try {
    return await claiming();
  } catch (error) {
    if (error instanceof ClaimConflictError) {
      await (await import('../store/audit.js')).recordRefusal(ctx.repo, ctx.config, { kind: 'claim', agent, at: ctx.now().toISOString(), conflicts: error.conflicts });
    }
    throw error;
  }
}
