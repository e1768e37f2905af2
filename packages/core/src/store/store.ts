/**
 * The coordination store: the state lives as `state.json` in commits on
 * `refs/agentsync/state` in the clone's common git dir, so every worktree sees
 * it. A write builds a child commit of the state it read and moves the ref with
 * `git update-ref REF NEW OLD`, which fails when another writer got there
 * first; the loser re-reads and retries. With a coordination remote the same
 * loop runs against the git host (see ./remote). `git log refs/agentsync/state`
 * is the audit trail.
 */
import { EnvironmentError, GitError } from '../errors';
import { git, readLooseFile, readObjects, tryGit, type Repo } from '../git/git';
import { pullRef, pushWithLease, type RemoteOptions } from './remote';
import { emptyState, pruneExpired, type State } from '../domain/state';

export const STATE_REF = 'refs/agentsync/state';
export const AUDIT_REF = 'refs/agentsync/audit';
/** Audit records made while the coordination remote was unreachable: kept apart, since fetching the audit ref replaces it. */
export const OFFLINE_AUDIT_REF = 'refs/agentsync/audit-offline';
const STATE_FILE = 'state.json';

/** The state and the commit it was read from (undefined before the first write). */
export interface Snapshot {
  state: State;
  commit?: string;
}

/** What a mutation decided: the new state (or undefined to write nothing), a result, and the commit message. */
export interface Mutation<T> {
  state?: State;
  result: T;
  message: string;
}

export interface StoreOptions {
  /** Who writes: the commit author. */
  actor: string;
  /**
   * How many times a writer that lost the race tries again (default 60); with
   * the default it also keeps trying for two minutes, however many attempts
   * that takes, so a crowd of agents through one remote all get through.
   */
  attempts?: number;
  now?: () => Date;
  /** Publish through this coordination remote: the remote decides who wins. */
  remote?: RemoteOptions;
  /** Who may write what: run before a state write, it throws to refuse one in `actor`'s name (signed identities). */
  authorize?: (actor: string) => Promise<void>;
}

/** Env that lets commit-tree run in repos without user.name/user.email, authored by the agent. */
function authorEnv(actor: string): NodeJS.ProcessEnv {
  const email = `${actor}@agentsync.invalid`;
  return {
    GIT_AUTHOR_NAME: actor,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: actor,
    GIT_COMMITTER_EMAIL: email,
  };
}

/**
 * Reads the state at `revision` (default: `ref`, which errors name): straight
 * from the loose objects where it can (no process), else with one git call; an
 * absent ref is the empty state.
 */
export async function readState(repo: Repo, ref = STATE_REF, revision = ref): Promise<Snapshot> {
  const loose = revision === ref ? await readLooseFile(repo, ref, STATE_FILE) : undefined;
  if (loose) return { state: parseState(loose.content, ref), commit: loose.commit };
  const [commit, file] = await readObjects(repo, [revision, `${revision}:${STATE_FILE}`]);
  if (!commit) return { state: emptyState() };
  if (!file) throw corrupt(ref, `${STATE_FILE} is missing from the commit`);
  return { state: parseState(file.content, ref), commit: commit.oid };
}

function corrupt(ref: string, why: string): EnvironmentError {
  return new EnvironmentError(`The coordination store at ${ref} is corrupt: ${why}.`, {
    where: ref,
    hint: `Inspect it with \`git log -p ${ref}\`; \`git update-ref ${ref} <an earlier good commit>\` restores an earlier state.`,
  });
}

/** Parses a store commit's state.json; a corrupt one is an EnvironmentError naming the ref. */
export function parseState(text: string, ref: string): State {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw corrupt(ref, `${STATE_FILE} is not valid JSON`);
  }
  const state = data as Partial<State>;
  if (state?.version !== 1 || !Array.isArray(state.sessions) || !Array.isArray(state.claims)) {
    throw corrupt(ref, `${STATE_FILE} does not hold a version 1 state`);
  }
  return state as State;
}

/** Writes `state` as a child commit of `parent` and returns the new commit (the ref is not moved). */
async function commitState(repo: Repo, state: State, parent: string | undefined, message: string, actor: string) {
  const cwd = repo.root;
  const blob = (await git(['hash-object', '-w', '--stdin'], { cwd, input: `${JSON.stringify(state, null, 2)}\n` })).trim();
  const tree = (await git(['mktree'], { cwd, input: `100644 blob ${blob}\t${STATE_FILE}\n` })).trim();
  const parents = parent ? ['-p', parent] : [];
  return (await git(['commit-tree', tree, ...parents, '-m', message], { cwd, env: authorEnv(actor) })).trim();
}

/** Moves `ref` from `expected` to `next`; false when another writer moved it first. */
async function compareAndSwap(repo: Repo, ref: string, next: string, expected: string | undefined) {
  try {
    // An empty old value means "must not exist yet", whatever the repository's hash length.
    await git(['update-ref', ref, next, expected ?? ''], { cwd: repo.root });
    return true;
  } catch (error) {
    if (error instanceof GitError && LOST_RACE.test(error.stderr)) return false;
    throw error;
  }
}

/** What update-ref says when another writer moved (or is moving) the ref first. */
const LOST_RACE = /cannot lock ref|but expected|reference already exists|is at [0-9a-f]+ but/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Full-jitter exponential backoff. The cap is high on purpose: a crowd of
 * losers that retries fast only burns the CPU the one winner of each round
 * needs. Math.random is jitter enough, and keeps node:crypto off the hook path.
 */
const backoff = (attempt: number) => 1 + Math.floor(Math.random() * (Math.min(8000, 20 * 2 ** Math.min(attempt, 9)) + 1));

/** One attempt's outcome: a commit to move the ref to (none: nothing to write) and the result. */
interface Attempt<T> {
  commit?: string;
  result: T;
}

/**
 * Moves `ref` by compare-and-swap until this writer wins: `build` gets the
 * commit the ref holds now (undefined: no ref yet) and makes the next one.
 * Locally that is `update-ref NEW OLD`; through a coordination remote, a push
 * with a lease on what was built on, so a write counts only once the host took
 * it. Losers retry after a jittered backoff.
 */
async function casLoop<T>(
  repo: Repo,
  ref: string,
  options: Pick<StoreOptions, 'attempts' | 'remote'>,
  build: (parent: string | undefined) => Promise<Attempt<T>>,
): Promise<T> {
  const attempts = options.attempts ?? 60;
  const deadline = options.attempts === undefined ? Date.now() + 120_000 : 0;
  const remote = options.remote?.name;
  for (let attempt = 0; attempt < attempts || Date.now() < deadline; attempt++) {
    const remoteHasRef = remote ? await pullRef(repo, remote, ref) : false;
    const parent = (await tryGit(['rev-parse', '-q', '--verify', `${ref}^{commit}`], { cwd: repo.root }))?.trim() || undefined;
    const { commit, result } = await build(parent);
    if (!commit) return result;
    if (remote) {
      if (await pushWithLease(repo, remote, ref, commit, remoteHasRef ? parent : undefined)) {
        // Best effort: a busy local ref catches up on the next fetch; the remote already holds the truth.
        await git(['update-ref', ref, commit], { cwd: repo.root }).catch(() => undefined);
        return result;
      }
    } else if (await compareAndSwap(repo, ref, commit, parent)) {
      return result;
    }
    await sleep(backoff(attempt));
  }
  throw new EnvironmentError(`Could not update ${ref}: other writers won ${attempts} times in a row.`, {
    where: ref,
    hint: `Try again; if it persists, look for a runaway process writing to the store (\`git log ${ref}\`).`,
  });
}

/**
 * Applies `mutate` to the freshest state by compare-and-swap, retrying with
 * jittered backoff when another writer wins. Expired entries are pruned first,
 * so `mutate` sees live state only. Returns what `mutate` returned.
 */
export async function updateState<T>(repo: Repo, options: StoreOptions, mutate: (state: State, now: Date) => Mutation<T>): Promise<T> {
  await options.authorize?.(options.actor);
  return casLoop(repo, STATE_REF, options, async (parent) => {
    const { state } = parent ? await readState(repo, STATE_REF, parent) : { state: emptyState() };
    const now = options.now?.() ?? new Date();
    const change = mutate(pruneExpired(state, now), now);
    if (!change.state) return { result: change.result };
    return { commit: await commitState(repo, change.state, parent, change.message, options.actor), result: change.result };
  });
}

/**
 * Appends one audit record (for example a hook skipped with AGENTSYNC_SKIP) to
 * refs/agentsync/audit, published like the state where a coordination remote
 * is set, so CI's verify sees it.
 */
export async function appendAudit(
  repo: Repo,
  actor: string,
  message: string,
  remote?: RemoteOptions,
  ref: typeof AUDIT_REF | typeof OFFLINE_AUDIT_REF = AUDIT_REF,
): Promise<void> {
  const cwd = repo.root;
  const emptyTree = (await git(['mktree'], { cwd, input: '' })).trim();
  // A few attempts only: an emergency skip must not wait long on anyone.
  await casLoop(repo, ref, { remote, attempts: 5 }, async (parent) => ({
    commit: (await git(['commit-tree', emptyTree, ...(parent ? ['-p', parent] : []), '-m', message], { cwd, env: authorEnv(actor) })).trim(),
    result: undefined,
  }));
}
