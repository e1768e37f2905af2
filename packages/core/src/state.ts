/**
 * The coordination state (sessions and claims) as plain data, and the pure
 * functions that change it. The store persists it; nothing here does I/O.
 */
import type { ClaimConflict } from './errors';
import { ClaimIndex, globsOverlap } from './globs';

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

/** The live claims of everyone but `agent`. */
export function othersClaims(state: State, agent: string | undefined, now: Date): Claim[] {
  return state.claims.filter((c) => c.holder !== agent && isLive(c, now));
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

/**
 * One write as data: the entries it sets (null: removes) and what those
 * entries, and every other entry of its agent, were in the state it was
 * computed from. Another process of the clone can then apply it to a newer
 * state (see {@link rebaseChange}) without re-running the code that made it.
 */
export interface StateChange {
  agent: string;
  sessions: Record<string, Session | null>;
  claims: Record<string, Claim | null>;
  /** The values the change was computed from, by the same keys. */
  before: { sessions: Record<string, Session | null>; claims: Record<string, Claim | null> };
}

type Keyed<E> = Map<string, E>;
const claimKey = (claim: Claim) => `${claim.holder}\0${claim.glob}`;
const sessionsByKey = (state: State): Keyed<Session> => new Map(state.sessions.map((s) => [s.id, s]));
const claimsByKey = (state: State): Keyed<Claim> => new Map(state.claims.map((c) => [claimKey(c), c]));

/** Entries compare by their JSON with sorted keys: the store writes them with no fixed key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
const same = (a: unknown, b: unknown) => a === b || canonical(a ?? null) === canonical(b ?? null);

function diffEntries<E>(base: Keyed<E>, next: Keyed<E>, isAgents: (entry: E) => boolean) {
  const changed: Record<string, E | null> = {};
  const before: Record<string, E | null> = {};
  for (const [key, entry] of next) if (!same(base.get(key), entry)) changed[key] = entry;
  for (const key of base.keys()) if (!next.has(key)) changed[key] = null;
  for (const [key, entry] of base) if (key in changed || isAgents(entry)) before[key] = entry;
  for (const key of Object.keys(changed)) before[key] ??= null;
  return { changed, before };
}

/** The change from `base` to `next` made by `agent`; undefined when there is none. */
export function changeOf(base: State, next: State, agent: string): StateChange | undefined {
  const sessions = diffEntries(sessionsByKey(base), sessionsByKey(next), (s) => s.agent === agent);
  const claims = diffEntries(claimsByKey(base), claimsByKey(next), (c) => c.holder === agent);
  if (Object.keys(sessions.changed).length + Object.keys(claims.changed).length === 0) return undefined;
  return { agent, sessions: sessions.changed, claims: claims.changed, before: { sessions: sessions.before, claims: claims.before } };
}

/** Whether every entry `before` names still holds that value (or already the change's) and the agent has no entry `before` did not see. */
function unchangedSince<E>(current: Keyed<E>, before: Record<string, E | null>, after: Record<string, E | null>, isAgents: (entry: E) => boolean) {
  for (const [key, was] of Object.entries(before)) {
    const now = current.get(key);
    if (!same(now, was) && !(key in after && same(now, after[key]))) return false;
  }
  for (const [key, entry] of current) if (isAgents(entry) && !(key in before)) return false;
  return true;
}

function applyEntries<E>(current: Keyed<E>, changed: Record<string, E | null>): E[] {
  const result = new Map(current);
  for (const [key, entry] of Object.entries(changed)) {
    if (entry) result.set(key, entry);
    else result.delete(key);
  }
  return [...result.values()];
}

/**
 * Applies `change` to `current` (live entries only) if it still means what it
 * meant where it was computed: the entries it changed and every entry of its
 * agent are as it saw them (so a second session of the same agent cannot slip
 * in), and its claims conflict with no claim another agent made since.
 * Undefined otherwise: its writer must compute it again from `current`, where
 * it may now be refused.
 */
export function rebaseChange(current: State, change: StateChange, now: Date): State | undefined {
  const isAgents = { session: (s: Session) => s.agent === change.agent, claim: (c: Claim) => c.holder === change.agent };
  const sessions = sessionsByKey(current);
  const claims = claimsByKey(current);
  if (!unchangedSince(sessions, change.before.sessions, change.sessions, isAgents.session)) return undefined;
  if (!unchangedSince(claims, change.before.claims, change.claims, isAgents.claim)) return undefined;
  const next: State = { ...current, sessions: applyEntries(sessions, change.sessions), claims: applyEntries(claims, change.claims) };
  for (const claim of Object.values(change.claims)) {
    if (claim && claimConflicts(next, claim.holder, claim.glob, claim.mode, now).length > 0) return undefined;
  }
  return next;
}
