/**
 * How a store commit holds the state (see domain/state-delta): `state.json`,
 * the base, and `delta.json`, the entries set or removed since the base was
 * written (absent right after one). Both hold one entry per line, so
 * `git log -p refs/agentsync/state` shows each write as the lines it changed.
 */
import { claimKey, claimOfKey, sessionKey, type Claim, type Session, type State } from '../domain/state';
import { applyDelta, emptyDelta, stateSize, type StateDelta } from '../domain/state-delta';
import { EnvironmentError } from '../errors';
import { readObjects, type GitObject, type Repo } from '../git/git';

export const STATE_FILE = 'state.json';
export const DELTA_FILE = 'delta.json';

/** Where a store commit's state comes from: what the next write needs to add a delta instead of a new base. */
export interface StateLayout {
  /** The blob of the commit's state.json. */
  baseOid: string;
  /** How many entries the base holds (expired ones included). */
  baseSize: number;
  /** The version its state.json says: a delta goes only beside a base of {@link STATE_FORMAT}. */
  baseVersion: number;
  delta: StateDelta;
}

/** The state a store commit holds (unpruned), and its layout. */
export interface StoredState {
  state: State;
  layout: StateLayout;
}

function corrupt(where: string, why: string): EnvironmentError {
  const ref = where.split(' ')[0];
  return new EnvironmentError(`The coordination store at ${where} is corrupt: ${why}.`, {
    where,
    hint: `Inspect it with \`git log -p ${ref}\`; \`git update-ref ${ref} <an earlier good commit>\` restores an earlier state.`,
  });
}

function parseJson(text: string, file: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt(where, `${file} is not valid JSON`);
  }
}

/**
 * The version state.json says: 2 since the base may have a delta beside it,
 * so an AgentSync from before refuses the store (exit 2) instead of reading
 * the base alone and losing what the delta holds. Version 1 (no delta) reads the same.
 */
export const STATE_FORMAT = 2;

/** Parses a store commit's state.json, and the version it says; a corrupt one is an EnvironmentError naming `where` (the ref). */
function parseState(text: string, where: string): { state: State; version: number } {
  const state = parseJson(text, STATE_FILE, where) as { version?: unknown; sessions?: unknown; claims?: unknown } | null;
  if (typeof state?.version === 'number' && state.version > STATE_FORMAT) {
    throw new EnvironmentError(`The coordination store at ${where} was written by a newer AgentSync (${STATE_FILE} version ${state.version}).`, {
      where,
      hint: 'Upgrade agentsync in this clone to the version the other clones use (npm install -D @agentsync/cli@latest).',
    });
  }
  if ((state?.version !== 1 && state?.version !== STATE_FORMAT) || !Array.isArray(state.sessions) || !Array.isArray(state.claims)) {
    throw corrupt(where, `${STATE_FILE} does not hold a version 1 or 2 state`);
  }
  // In memory the version is the entries' shape, which is the same in both.
  return { state: { version: 1, sessions: state.sessions as Session[], claims: state.claims as Claim[] }, version: state.version };
}

interface DeltaFile {
  version: 1;
  set: { sessions: Session[]; claims: Claim[] };
  removed: { sessions: string[]; claims: Array<Pick<Claim, 'holder' | 'glob'>> };
}

/** Parses a store commit's delta.json. */
function parseDelta(text: string, where: string): StateDelta {
  const file = parseJson(text, DELTA_FILE, where) as Partial<DeltaFile> | null;
  const { set, removed } = file ?? {};
  if (file?.version !== 1 || !Array.isArray(set?.sessions) || !Array.isArray(set.claims) || !Array.isArray(removed?.sessions) || !Array.isArray(removed.claims)) {
    throw corrupt(where, `${DELTA_FILE} does not hold a version 1 delta`);
  }
  // fromEntries, not assignment: a key such as "__proto__" stays a plain key.
  return {
    sessions: Object.fromEntries([...removed.sessions.map((id) => [id, null]), ...set.sessions.map((s) => [sessionKey(s), s])]),
    claims: Object.fromEntries([...removed.claims.map((c) => [claimKey(c), null]), ...set.claims.map((c) => [claimKey(c), c])]),
  };
}

/** A JSON array with one item per line. */
const lines = (items: unknown[]) => (items.length === 0 ? '[]' : `[\n${items.map((item) => JSON.stringify(item)).join(',\n')}\n]`);

/** state.json for `state`: a base, one entry per line. */
export function serializeState(state: State): string {
  return `{"version":${STATE_FORMAT},"sessions":${lines(state.sessions)},\n"claims":${lines(state.claims)}}\n`;
}

/** delta.json for `delta`: the entries it sets, then the keys it removes, one per line. */
export function serializeDelta(delta: StateDelta): string {
  const set = (record: Record<string, unknown>) => Object.values(record).filter((entry) => entry !== null);
  const removedSessions = Object.entries(delta.sessions).flatMap(([id, s]) => (s === null ? [id] : []));
  const removedClaims = Object.entries(delta.claims).flatMap(([key, c]) => (c === null ? [claimOfKey(key)] : []));
  return (
    `{"version":1,"set":{"sessions":${lines(set(delta.sessions))},\n"claims":${lines(set(delta.claims))}},\n` +
    `"removed":{"sessions":${lines(removedSessions)},\n"claims":${lines(removedClaims)}}}\n`
  );
}

/** The state a commit's two files hold; `where` names the commit in errors. */
export function storedState(base: GitObject | undefined, delta: GitObject | undefined, where: string): StoredState {
  if (!base) throw corrupt(where, `${STATE_FILE} is missing from the commit`);
  const { state: baseState, version } = parseState(base.content, where);
  const parsedDelta = delta ? parseDelta(delta.content, where) : emptyDelta();
  return { state: applyDelta(baseState, parsedDelta), layout: { baseOid: base.oid, baseSize: stateSize(baseState), baseVersion: version, delta: parsedDelta } };
}

/**
 * The states of several store commits, in one git call; `skipCorrupt` leaves
 * out commits whose state does not parse (else their error is thrown).
 */
export async function readStatesAt(repo: Repo, ref: string, commits: readonly string[], { skipCorrupt = false } = {}): Promise<Map<string, State>> {
  const objects = await readObjects(repo, commits.flatMap((c) => [`${c}:${STATE_FILE}`, `${c}:${DELTA_FILE}`]));
  const states = new Map<string, State>();
  for (const [i, commit] of commits.entries()) {
    try {
      if (objects[2 * i]) states.set(commit, storedState(objects[2 * i], objects[2 * i + 1], `${ref} at ${commit}`).state);
    } catch (error) {
      if (!skipCorrupt) throw error;
    }
  }
  return states;
}
