/**
 * The coordination state (sessions and claims) as plain data, and the pure
 * functions that change it. The store persists it; nothing here does I/O.
 */
import type { ClaimConflict } from '../errors';
import { toolOfInstance } from './agent-instance';
import { ClaimIndex, overlapsWith } from './globs/globs';

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

/** A time as `Date#toISOString` writes it, which every stored lease uses: such times order as their text does. */
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Whether a lease is live at `now`; compares text where it can, since the store holds thousands and Date.parse is slow. */
function liveAt(now: Date): (entry: { expiresAt: string }) => boolean {
  const nowText = now.toISOString();
  const nowMs = now.getTime();
  return ({ expiresAt }) => (ISO_UTC.test(expiresAt) ? expiresAt > nowText : Date.parse(expiresAt) > nowMs);
}

/** Drops expired claims and sessions; an expired lease blocks nobody. */
export function pruneExpired(state: State, now: Date): State {
  return splitExpired(state, now).live;
}

/** {@link pruneExpired}, and the entries it drops as removals by key (see {@link StateChange}), in one pass. */
export function splitExpired(state: State, now: Date): { live: State; expired: Pick<StateChange, 'sessions' | 'claims'> } {
  const isLive = liveAt(now);
  const split = <E extends { expiresAt: string }>(entries: E[], keyOf: (entry: E) => string) => {
    const kept: E[] = [];
    const gone: string[] = [];
    for (const entry of entries) {
      if (isLive(entry)) kept.push(entry);
      else gone.push(keyOf(entry));
    }
    return { kept, removals: Object.fromEntries(gone.map((key) => [key, null])) };
  };
  const sessions = split(state.sessions, sessionKey);
  const claims = split(state.claims, claimKey);
  return { live: { ...state, sessions: sessions.kept, claims: claims.kept }, expired: { sessions: sessions.removals, claims: claims.removals } };
}

/**
 * Whether a claim of `holder` counts as `agent`'s own: the same agent, or an
 * agent tool's bare name and one of its instances (`gemini` and
 * `gemini-1a2b3c4d`). Some processes of a tool get no session id (Gemini CLI's
 * and Codex's MCP servers): they act as the tool, and their claims must not
 * refuse the session's own edits, nor its edits' claims their requests.
 */
export function sameAgent(holder: string, agent: string | undefined): boolean {
  return sameAgentAs(agent)(holder);
}

/** {@link sameAgent} with `agent` fixed, for testing thousands of holders. */
function sameAgentAs(agent: string | undefined): (holder: string) => boolean {
  if (agent === undefined) return () => false;
  const tool = toolOfInstance(agent);
  // Only a holder that starts with the agent's name can be one of its instances.
  const instancePrefix = `${agent}-`;
  return (holder) => holder === agent || holder === tool || (holder.startsWith(instancePrefix) && toolOfInstance(holder) === agent);
}

/** The live claims of everyone but `agent` (see {@link sameAgent}). */
export function othersClaims(state: State, agent: string | undefined, now: Date): Claim[] {
  const isLive = liveAt(now);
  const mine = sameAgentAs(agent);
  return state.claims.filter((c) => !mine(c.holder) && isLive(c));
}

export function activeSession(state: State, agent: string, now: Date): Session | undefined {
  const isLive = liveAt(now);
  return state.sessions.find((s) => s.agent === agent && isLive(s));
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
  const overlaps = overlapsWith(glob);
  const isLive = liveAt(now);
  const mine = sameAgentAs(agent);
  // The overlap test first: it turns away almost every one of thousands of held claims at once.
  return state.claims
    .filter((c) => overlaps(c.glob) && !(mode === 'shared' && c.mode === 'shared') && !mine(c.holder) && isLive(c))
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
  // The agent's claims on these globs are renewed: replaced, keeping when they were first made.
  const renewed = new Map<string, Claim>();
  const kept = state.claims.filter((c) => {
    const renewing = c.holder === request.agent && request.globs.includes(c.glob);
    if (renewing) renewed.set(c.glob, c);
    return !renewing;
  });
  const added = request.globs.map((glob) => ({
    holder: request.agent,
    glob,
    mode: request.mode,
    ...(request.session ? { session: request.session } : {}),
    createdAt: renewed.get(glob)?.createdAt ?? now.toISOString(),
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

/** What identifies an entry: one claim per holder and glob, one session per id. */
export const claimKey = (claim: Pick<Claim, 'holder' | 'glob'>) => `${claim.holder}\0${claim.glob}`;
/** The holder and glob a {@link claimKey} names (neither holds a NUL: globProblem refuses one). */
export function claimOfKey(key: string): Pick<Claim, 'holder' | 'glob'> {
  const cut = key.indexOf('\0');
  return { holder: key.slice(0, cut), glob: key.slice(cut + 1) };
}
export const sessionKey = (session: Pick<Session, 'id'>) => session.id;
/** The agent an entry belongs to. */
const claimOwner = (claim: Claim) => claim.holder;
const sessionOwner = (session: Session) => session.agent;

/** Entries compare by their JSON with sorted keys: the store writes them with no fixed key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
const same = (a: unknown, b: unknown) => a === b || canonical(a ?? null) === canonical(b ?? null);

/**
 * The entries of `next` that are not in `base` and the other way round. A
 * mutation keeps the entries it does not touch as the same objects, so with
 * thousands of claims only the few it made or dropped get keyed and compared.
 */
function diffEntries<E>(base: E[], next: E[], keyOf: (entry: E) => string, ownerOf: (entry: E) => string, agent: string) {
  // Mutations keep the entries they do not touch, in order: a common start needs no set.
  let unchanged = 0;
  while (unchanged < base.length && unchanged < next.length && base[unchanged] === next[unchanged]) unchanged++;
  // What is left of the rest of the base once every entry `next` kept is taken out: the removed ones.
  const removed = new Set(base.slice(unchanged));
  const added = next.slice(unchanged).filter((entry) => !removed.delete(entry));
  const changed: Record<string, E | null> = {};
  for (const entry of removed) changed[keyOf(entry)] = null;
  const before: Record<string, E | null> = {};
  for (const entry of base) if (ownerOf(entry) === agent || removed.has(entry)) before[keyOf(entry)] = entry;
  for (const entry of added) {
    const key = keyOf(entry);
    if (same(before[key], entry)) delete changed[key];
    else changed[key] = entry;
  }
  for (const key of Object.keys(changed)) before[key] ??= null;
  return { changed, before };
}

/** The change from `base` to `next` made by `agent` (it may change nothing: the write is still recorded, as a commit). */
export function changeOf(base: State, next: State, agent: string): StateChange {
  const sessions = diffEntries(base.sessions, next.sessions, sessionKey, sessionOwner, agent);
  const claims = diffEntries(base.claims, next.claims, claimKey, claimOwner, agent);
  return { agent, sessions: sessions.changed, claims: claims.changed, before: { sessions: sessions.before, claims: claims.before } };
}

/**
 * `current` with `changed` applied, or undefined when an entry `before` names
 * no longer holds that value (nor already the changed one), or `agent` has an
 * entry `before` did not see. Only entries of the agents the change names get keyed.
 */
function rebaseEntries<E>(
  current: E[],
  changed: Record<string, E | null>,
  before: Record<string, E | null>,
  keyOf: (entry: E) => string,
  ownerOf: (entry: E) => string,
  agent: string,
): E[] | undefined {
  const owners = new Set([agent, ...[...Object.values(before), ...Object.values(changed)].flatMap((e) => (e ? [ownerOf(e)] : []))]);
  const seen = new Set<string>();
  const result: E[] = [];
  for (const entry of current) {
    if (!owners.has(ownerOf(entry))) {
      result.push(entry);
      continue;
    }
    const key = keyOf(entry);
    seen.add(key);
    if (!(key in changed) && !(key in before)) {
      // Another agent's entry, or one of this agent's that the change did not see.
      if (ownerOf(entry) === agent) return undefined;
      result.push(entry);
      continue;
    }
    if (!same(entry, before[key]) && !(key in changed && same(entry, changed[key]))) return undefined;
    if (!(key in changed)) result.push(entry);
    else if (changed[key]) result.push(changed[key] as E);
  }
  for (const [key, was] of Object.entries(before)) if (was && !seen.has(key) && !(key in changed && changed[key] === null)) return undefined;
  for (const [key, entry] of Object.entries(changed)) if (entry && !seen.has(key)) result.push(entry);
  return result;
}

/**
 * Applies `change` to `current` (live entries only) if it still means what it
 * meant where it was computed: the entries it changed and every entry of its
 * agent are as it saw them (so a second session of the same agent cannot slip
 * in), and its claims conflict with no claim another agent made since.
 * Undefined otherwise: its writer must compute it again from `current`, where
 * it may now be refused. `sameBase`: `current` is the state the change was
 * computed from, at most with more entries expired, so no claim needs checking.
 */
export function rebaseChange(current: State, change: StateChange, now: Date, { sameBase = false } = {}): State | undefined {
  const { agent, before } = change;
  const sessions = rebaseEntries(current.sessions, change.sessions, before.sessions, sessionKey, sessionOwner, agent);
  const claims = sessions && rebaseEntries(current.claims, change.claims, before.claims, claimKey, claimOwner, agent);
  if (!sessions || !claims) return undefined;
  const next: State = { ...current, sessions, claims };
  // On the very state it was computed from (pruned since, at most), a change's claims were checked already.
  if (sameBase) return next;
  for (const claim of Object.values(change.claims)) {
    if (claim && claimConflicts(next, claim.holder, claim.glob, claim.mode, now).length > 0) return undefined;
  }
  return next;
}
