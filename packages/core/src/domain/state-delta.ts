/**
 * The state as the store keeps it: a base (the whole state as of some write)
 * and a delta, the entries set or removed since, by key. A write rewrites only
 * the delta, unless that would outgrow a share of the base: then it folds the
 * delta in and writes a new base. Pure: the store does the reading and writing.
 */
import { claimKey, claimOfKey, sessionKey, type Claim, type State, type StateChange } from './state';

/** Entries set since the base (null: removed), by the keys of domain/state. */
export interface StateDelta {
  sessions: Record<string, State['sessions'][number] | null>;
  claims: Record<string, State['claims'][number] | null>;
}

export function emptyDelta(): StateDelta {
  return { sessions: {}, claims: {} };
}

/** How many entries the delta names. */
export const deltaSize = (delta: StateDelta) => Object.keys(delta.sessions).length + Object.keys(delta.claims).length;

/** How many entries a state holds. */
export const stateSize = (state: State) => state.sessions.length + state.claims.length;

/**
 * `base` with `set` applied. `part`, if given, is a piece of an entry's key
 * that most entries the set does not name already tell apart (a claim's
 * glob), so thousands of base entries are passed over without building their keys.
 */
function overlay<E>(base: E[], set: Record<string, E | null>, keyOf: (entry: E) => string, part?: { of: (entry: E) => string; ofKey: (key: string) => string }): E[] {
  const parts = part && new Set(Object.keys(set).map(part.ofKey));
  const result: E[] = [];
  const replaced = new Set<string>();
  for (const entry of base) {
    if (part && !parts?.has(part.of(entry))) {
      result.push(entry);
      continue;
    }
    const key = keyOf(entry);
    if (!(key in set)) result.push(entry);
    else if (!replaced.has(key)) {
      replaced.add(key);
      const now = set[key];
      if (now) result.push(now);
    }
  }
  for (const [key, entry] of Object.entries(set)) if (entry && !replaced.has(key)) result.push(entry);
  return result;
}

const claimPart = { of: (claim: Claim) => claim.glob, ofKey: (key: string) => claimOfKey(key).glob };

/** The state `base` with `delta` applied: entries it names replaced in place or removed, new ones after the rest. */
export function applyDelta(base: State, delta: StateDelta): State {
  if (deltaSize(delta) === 0) return base;
  return {
    ...base,
    sessions: overlay(base.sessions, delta.sessions, sessionKey),
    claims: overlay(base.claims, delta.claims, claimKey, claimPart),
  };
}

/** `delta` followed by `change`: what the next write's delta is, when it keeps the same base. */
export function withChange(delta: StateDelta, change: Pick<StateChange, 'sessions' | 'claims'>): StateDelta {
  return { sessions: { ...delta.sessions, ...change.sessions }, claims: { ...delta.claims, ...change.claims } };
}

/** Deltas smaller than this never fold: a small state is cheap to read either way. */
const MIN_FOLD = 64;

/** The share of the base's entries a delta may name before it folds. */
const FOLD_SHARE = 1 / 64;

/**
 * Whether a write should fold `delta` into a new base instead of writing it:
 * when it would name more than a sixty-fourth of the entries the base holds
 * (and more than {@link MIN_FOLD}). Reads and writes then handle little on top
 * of the base, and the whole state is written once every that many writes.
 */
export function shouldFold(delta: StateDelta, baseSize: number): boolean {
  return deltaSize(delta) > Math.max(MIN_FOLD, baseSize * FOLD_SHARE);
}
