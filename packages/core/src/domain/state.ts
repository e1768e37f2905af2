/**
 * The coordination state (sessions and claims) as plain data, and the pure
 * functions that change it. The store persists it; nothing here does I/O.
 */
import type { ClaimConflict } from '../errors';
import { toolOfInstance } from './agent-instance';
import { ClaimIndex, globsOverlap } from './globs/globs';

export type ClaimMode = 'exclusive' | 'shared';

export interface Claim {
  holder: string;
  glob: string;
  mode: ClaimMode;
  session?: string;
  createdAt: string;
  expiresAt: string;
}

export interface HealthRecord {
  /** The tree checked. */
  tree: string;
  status: 'green' | 'red';
  failing: string[];
  at: string;
}

export interface Session {
  id: string;
  agent: string;
  goal: string;
  tier: number;
  branch?: string;
  worktree: string;
  startedAt: string;
  expiresAt: string;
  fixingBaseline?: boolean;
  baseline?: HealthRecord;
}

export interface State {
  version: 1;
  sessions: Session[];
  claims: Claim[];
}

export function emptyState(): State {
  return { version: 1, sessions: [], claims: [] };
}

const isLive = (entry: { expiresAt: string }, now: Date) => Date.parse(entry.expiresAt) > now.getTime();

/** Drops expired claims and sessions; an expired lease blocks nobody. */
export function pruneExpired(state: State, now: Date): State {
  return {
    ...state,
    sessions: state.sessions.filter((s) => isLive(s, now)),
    claims: state.claims.filter((c) => isLive(c, now)),
  };
}

/**
 * Whether a claim of `holder` counts as `agent`'s own: the same agent, or an
 * agent tool's bare name and one of its instances (`gemini` and
 * `gemini-1a2b3c4d`). Some processes of a tool get no session id (Gemini CLI's
 * and Codex's MCP servers): they act as the tool, and their claims must not
 * refuse the session's own edits, nor its edits' claims their requests.
 */
export function sameAgent(holder: string, agent: string | undefined): boolean {
  if (agent === undefined) return false;
  return holder === agent || toolOfInstance(agent) === holder || toolOfInstance(holder) === agent;
}

/** The live claims of everyone but `agent` (see {@link sameAgent}). */
export function othersClaims(state: State, agent: string | undefined, now: Date): Claim[] {
  return state.claims.filter((c) => !sameAgent(c.holder, agent) && isLive(c, now));
}

export function activeSession(state: State, agent: string, now: Date): Session | undefined {
  return state.sessions.find((s) => s.agent === agent && isLive(s, now));
}

const conflictOf = (requested: string, claim: Claim, state: State): ClaimConflict => ({
  requested,
  holder: claim.holder,
  glob: claim.glob,
  expiresAt: claim.expiresAt,
  session: claim.session,
  goal: state.sessions.find((s) => s.id === claim.session)?.goal,
});

/**
 * The live claims of other agents that a new claim of `glob` would collide with:
 * globs that some path can match, unless both claims are shared.
 */
function claimConflicts(state: State, agent: string, glob: string, mode: ClaimMode, now: Date): ClaimConflict[] {
  return othersClaims(state, agent, now)
    .filter((c) => !(mode === 'shared' && c.mode === 'shared'))
    .filter((c) => globsOverlap(glob, c.glob))
    .map((c) => conflictOf(glob, c, state));
}

export interface ClaimRequest {
  agent: string;
  globs: string[];
  mode: ClaimMode;
  session?: string;
  ttlMs: number;
}

/**
 * Adds (or renews) the agent's claims; throws nothing, returns the conflicts
 * instead so the caller can refuse the whole request at once.
 */
export function applyClaims(state: State, request: ClaimRequest, now: Date): { state: State; conflicts: ClaimConflict[] } {
  const conflicts = request.globs.flatMap((glob) => claimConflicts(state, request.agent, glob, request.mode, now));
  if (conflicts.length > 0) return { state, conflicts };
  const expiresAt = new Date(now.getTime() + request.ttlMs).toISOString();
  const kept = state.claims.filter((c) => !(c.holder === request.agent && request.globs.includes(c.glob)));
  const added = request.globs.map((glob) => ({
    holder: request.agent,
    glob,
    mode: request.mode,
    ...(request.session ? { session: request.session } : {}),
    createdAt: state.claims.find((c) => c.holder === request.agent && c.glob === glob)?.createdAt ?? now.toISOString(),
    expiresAt,
  }));
  return { state: { ...state, claims: [...kept, ...added] }, conflicts: [] };
}

/** Releases the agent's claims on `globs`, or all of them when `globs` is undefined. */
export function releaseClaims(state: State, agent: string, globs: string[] | undefined): { state: State; released: Claim[] } {
  const mine = (c: Claim) => c.holder === agent && (globs === undefined || globs.includes(c.glob));
  return {
    state: { ...state, claims: state.claims.filter((c) => !mine(c)) },
    released: state.claims.filter(mine),
  };
}

/** Extends the leases of the agent's claims and session by `ttlMs` from now. */
export function renewLeases(state: State, agent: string, ttlMs: number, now: Date): State {
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  return {
    ...state,
    claims: state.claims.map((c) => (c.holder === agent ? { ...c, expiresAt } : c)),
    sessions: state.sessions.map((s) => (s.agent === agent ? { ...s, expiresAt } : s)),
  };
}

/** A staged or changed path that another agent's live exclusive claim covers. */
export interface BlockedPath {
  path: string;
  claim: ClaimConflict;
}

/** Which of `paths` other agents hold exclusively; built for thousands of paths and claims. */
export function blockedPaths(state: State, agent: string | undefined, paths: readonly string[], now: Date): BlockedPath[] {
  const claims = othersClaims(state, agent, now).filter((c) => c.mode === 'exclusive');
  if (claims.length === 0) return [];
  const index = new ClaimIndex(claims.map((claim) => ({ glob: claim.glob, value: claim })));
  return paths.flatMap((path) => index.match(path).map((claim) => ({ path, claim: conflictOf(path, claim, state) })));
}
