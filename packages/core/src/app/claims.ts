/**
 * Claim operations: claim, release, check and status, on top of the store.
 * Globs are relative to the repository root, whatever the current directory.
 */
import { claimTtlMs, confirmingState, readFreshState, recordingRefusal, storeOptions, type Context } from './context';
import { ClaimConflictError } from '../errors';
import { normalizeGlob } from '../domain/globs/globs';
import { activeSession, applyClaims, blockedPaths, pruneExpired, releaseClaims, type BlockedPath, type Claim, type ClaimMode, type State } from '../domain/state';
import { updateState } from '../store/store';
import { storeMessage } from '../store/messages';
import { refreshTrackerSnapshots } from './sessions';

export interface ClaimOptions {
  shared?: boolean;
  /** Lease length such as "30m"; defaults to `claims.ttl`. */
  ttl?: string;
}

/** Claims `globs` for `agent` all or nothing; throws ClaimConflictError naming each holder. */
export async function claim(ctx: Context, agent: string, globs: string[], options: ClaimOptions = {}): Promise<Claim[]> {
  const normalized = [...new Set(globs.map(normalizeGlob))];
  const ttlMs = claimTtlMs(ctx, options.ttl);
  const mode: ClaimMode = options.shared ? 'shared' : 'exclusive';
  const claimed = await recordingRefusal(ctx, agent, () =>
    updateState(ctx.repo, storeOptions(ctx, agent), (state, now) => {
      const session = activeSession(state, agent, now)?.id;
      const { state: next, conflicts } = applyClaims(state, { agent, globs: normalized, mode, session, ttlMs }, now);
      if (conflicts.length > 0) throw new ClaimConflictError(conflicts);
      return {
        state: next,
        result: next.claims.filter((c) => c.holder === agent && normalized.includes(c.glob)),
        message: storeMessage({ action: 'claim', agent, globs: normalized, mode, session }),
      };
    }),
  );
  await refreshTrackerSnapshots(ctx);
  return claimed;
}

/** Releases the agent's claims on `globs` (all of them when omitted); returns what was released. */
export async function release(ctx: Context, agent: string, globs?: string[]): Promise<Claim[]> {
  const normalized = globs?.map(normalizeGlob);
  const released = await updateState(ctx.repo, storeOptions(ctx, agent), (state) => {
    const { state: next, released } = releaseClaims(state, agent, normalized);
    return {
      state: released.length > 0 ? next : undefined,
      result: released,
      message: storeMessage({ action: 'release', agent, globs: released.map((c) => c.glob) }),
    };
  });
  if (released.length > 0) await refreshTrackerSnapshots(ctx);
  return released;
}

/** Which of the repo-relative `paths` other agents hold; `agent` undefined means a person. */
export async function check(ctx: Context, agent: string | undefined, paths: readonly string[]): Promise<PathCheck> {
  const snapshot = await readFreshState(ctx);
  const blocked = blockedPaths(snapshot.state, agent, paths, ctx.now());
  const fresh = blocked.length > 0 ? await confirmingState(ctx, snapshot) : undefined;
  if (!fresh) return { blocked, offline: snapshot.offline };
  return { blocked: blockedPaths(fresh.state, agent, paths, ctx.now()), offline: fresh.offline };
}

export interface PathCheck {
  blocked: BlockedPath[];
  /** Set when the coordination remote was unreachable and the last fetched view was used. */
  offline?: string;
}

/** The live state, for `agentsync status`. */
export async function status(ctx: Context): Promise<State> {
  const { state } = await readFreshState(ctx);
  return pruneExpired(state, ctx.now());
}
