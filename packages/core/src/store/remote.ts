/**
 * The coordination remote: with `coordination.remote` set, the git host is the
 * source of truth for refs/agentsync/state. Reads refresh the local copy when it
 * is older than the freshness window; writes push with a lease on the value the
 * writer built on, so of two agents racing through the host exactly one wins.
 * No server of our own: just fetch, ls-remote and push --force-with-lease.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../config/duration';
import type { AgentSyncConfig } from '../config/schema';
import { GitError, RemoteUnreachableError } from '../errors';
import { git, type Repo } from '../git/git';

/** Every network call has a timeout, so an unreachable host never hangs an agent or a hook. */
const NETWORK_TIMEOUT_MS = 20_000;

/** The time (epoch ms) by which the network calls of the work running now must be done, if it has one. */
const networkDeadline = new AsyncLocalStorage<number>();

/**
 * Runs `work` with each network call in it (fetch, push) cut short at `ms`
 * from now rather than at its own timeout: for what a hook does on the side,
 * such as recording a refusal, which must not keep the hook waiting on a slow host.
 */
export function withNetworkDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  return networkDeadline.run(Date.now() + ms, work);
}

/** The timeout of the next network call: the usual one, or less when a deadline comes first. */
function networkTimeout(): number {
  const deadline = networkDeadline.getStore();
  return deadline === undefined ? NETWORK_TIMEOUT_MS : Math.max(1, Math.min(NETWORK_TIMEOUT_MS, deadline - Date.now()));
}

export interface RemoteOptions {
  name: string;
  freshnessMs: number;
  offline: 'fallback' | 'block';
}

/** The remote settings from config, or undefined when claims stay in this clone. */
export function remoteOptions(config: AgentSyncConfig): RemoteOptions | undefined {
  const { remote, freshness, offline } = config.coordination;
  return remote ? { name: remote, freshnessMs: parseDuration(freshness), offline } : undefined;
}

/** What git said, in a line: its fatal and error lines, without their prefixes. */
function gitReason(error: unknown, timeoutMs: number): string {
  if (!(error instanceof GitError)) return String(error);
  if (error.timedOut) return `no answer within ${timeoutMs / 1000} s`;
  const lines = error.stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const said = lines.filter((line) => /^(fatal|error):/.test(line)).map((line) => line.replace(/^(fatal|error):\s*/, ''));
  return (said.length ? said : lines).slice(0, 2).join('; ') || `git exited ${error.gitExitCode}`;
}

function unreachable(remote: string, error: unknown, timeoutMs: number): RemoteUnreachableError {
  return unreachableBecause(remote, gitReason(error, timeoutMs));
}

function unreachableBecause(remote: string, reason: string): RemoteUnreachableError {
  return new RemoteUnreachableError(`The coordination remote "${remote}" is unreachable (${reason}).`, {
    where: `coordination.remote = ${remote}`,
    hint: `Check the network and \`git remote get-url ${remote}\`; nothing was changed. Hooks fall back to the last fetched view unless coordination.offline is "block".`,
  });
}

const stampFile = (repo: Repo, remote: string) => join(repo.commonDir, 'agentsync', `fetched-${remote.replace(/[^\w.-]/g, '_')}`);

/** Records when the remote was last asked, and why it failed if it did (empty: it answered). */
function markFetched(repo: Repo, remote: string, failure = ''): void {
  const file = stampFile(repo, remote);
  mkdirSync(join(repo.commonDir, 'agentsync'), { recursive: true });
  writeFileSync(file, failure);
  const now = new Date();
  utimesSync(file, now, now);
}

function lastFetch(repo: Repo, remote: string): { agoMs: number; failure: string } {
  try {
    const file = stampFile(repo, remote);
    return { agoMs: Date.now() - statSync(file).mtimeMs, failure: readFileSync(file, 'utf8') };
  } catch {
    return { agoMs: Number.POSITIVE_INFINITY, failure: '' };
  }
}

/**
 * Brings the local copy of `ref` up to the remote's, in one network call.
 * Returns whether the remote has the ref at all. In remote mode the local ref
 * only ever holds values the remote held, so a lease on it is a lease on the
 * remote's value. Throws RemoteUnreachableError.
 */
export async function pullRef(repo: Repo, remote: string, ref: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const timeout = networkTimeout();
    try {
      // No `maintenance run --auto` after each of these small fetches: the clone's own commands run it often enough.
      await git(['-c', 'maintenance.auto=false', 'fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote, `+${ref}:${ref}`], {
        cwd: repo.root,
        timeout,
      });
      markFetched(repo, remote);
      return true;
    } catch (error) {
      if (error instanceof GitError && /couldn't find remote ref/.test(error.stderr)) {
        markFetched(repo, remote);
        return false;
      }
      // Another process of this clone is updating the same local ref: it brings the same objects.
      const busy = error instanceof GitError && /cannot lock ref|\.lock/.test(error.stderr);
      if (!busy || attempt >= 20) {
        // Cut short by a deadline is no sign the host is down: the next hook asks it again.
        const cut = error instanceof GitError && error.timedOut && timeout < NETWORK_TIMEOUT_MS;
        if (!cut) markFetched(repo, remote, gitReason(error, timeout));
        throw unreachable(remote, error, timeout);
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  }
}

/**
 * Refreshes the local copy unless it was fetched within the freshness window
 * (or `force`); returns whether it asked the host. A failure inside the window
 * is remembered, so a host that does not answer costs one timeout per window,
 * not one per hook.
 */
export async function refreshRef(repo: Repo, options: RemoteOptions, ref: string, force = false): Promise<boolean> {
  const last = lastFetch(repo, options.name);
  if (!force && last.agoMs < options.freshnessMs) {
    if (last.failure) throw unreachableBecause(options.name, last.failure);
    return false;
  }
  await pullRef(repo, options.name, ref);
  return true;
}

/**
 * Pushes `commit` to `ref` on the remote only if the remote still holds
 * `expected` (undefined: the ref must not exist yet). False when someone else
 * won the race; throws RemoteUnreachableError for anything else.
 */
export async function pushWithLease(repo: Repo, remote: string, ref: string, commit: string, expected: string | undefined): Promise<boolean> {
  const timeout = networkTimeout();
  try {
    await git(['push', '--porcelain', '--atomic', '--no-verify', `--force-with-lease=${ref}:${expected ?? ''}`, remote, `${commit}:${ref}`], {
      cwd: repo.root,
      timeout,
    });
    return true;
  } catch (error) {
    // --porcelain reports each ref as "!<tab>src:dst<tab>[rejected] (stale info)" and the like.
    if (error instanceof GitError && !error.timedOut && LOST_RACE.test(error.stdout)) return false;
    throw unreachable(remote, error, timeout);
  }
}

/** Rejections that mean another writer moved the ref first (locally or on the host's side). */
const LOST_RACE = /^!\t.*\[(rejected|remote rejected)\] \((stale info|fetch first|non-fast-forward|already exists|failed to update ref|failed to lock|cannot lock ref|incorrect old value provided|atomic push failure|atomic transaction failed)/m;
