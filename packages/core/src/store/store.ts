/**
 * The coordination store: the state lives in commits on `refs/agentsync/state`
 * in the clone's common git dir, so every worktree sees it, as a base and the
 * delta written since (./state-files), so a write rewrites only the delta.
 * A write is computed as a change (domain/state `changeOf`) and handed to
 * the clone's one writer (./write-queue), which rebases every queued change
 * onto the newest state, one child commit each, and moves the ref once with
 * `git update-ref REF NEW OLD` (through a coordination remote, a push with a
 * lease: see ./remote). A lost race rebases and tries again at once.
 * `git log refs/agentsync/state` is the audit trail.
 */
import { join } from 'node:path';
import { changeOf, emptyState, rebaseChange, splitExpired, type State, type StateChange } from '../domain/state';
import { emptyDelta, shouldFold, stateSize, withChange } from '../domain/state-delta';
import { AgentSyncError, EnvironmentError, GitError, RemoteUnreachableError } from '../errors';
import { git, readLooseFiles, readObjects, tryGit, type Repo } from '../git/git';
import { objectFormatOf, treeContent, writeCommit, writeObject } from '../git/objects';
import { DELTA_FILE, serializeDelta, serializeState, STATE_FILE, STATE_FORMAT, storedState, type StateLayout } from './state-files';
import { pullRef, pushWithLease, type RemoteOptions } from './remote';
import { throughQueue } from './write-queue';

export const STATE_REF = 'refs/agentsync/state';
export const AUDIT_REF = 'refs/agentsync/audit';
/** Audit records made while the coordination remote was unreachable: kept apart, since fetching the audit ref replaces it. */
export const OFFLINE_AUDIT_REF = 'refs/agentsync/audit-offline';
/** The state and the commit it was read from, with that commit's layout (both undefined before the first write). */
export interface Snapshot {
  state: State;
  commit?: string;
  layout?: StateLayout;
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
  now?: () => Date;
  /** Publish through this coordination remote: the remote decides who wins. */
  remote?: RemoteOptions;
  /** Who may write what: run before a state write, it throws to refuse one in `actor`'s name (signed identities). */
  authorize?: (actor: string) => Promise<void>;
}

/** A store commit's author and committer: the agent, at an address that names it and reaches nobody. */
const agentSignature = (actor: string) => ({ name: actor, email: `${actor}@agentsync.invalid` });

/**
 * Reads the state at `revision` (default: `ref`, which errors name): straight
 * from the loose objects where it can (no process), else with one git call; an
 * absent ref is the empty state.
 */
export async function readState(repo: Repo, ref = STATE_REF, revision = ref): Promise<Snapshot> {
  const loose = revision === ref ? await readLooseFiles(repo, ref, [STATE_FILE, DELTA_FILE]) : undefined;
  if (loose) return { commit: loose.commit, ...storedState(loose.files.get(STATE_FILE), loose.files.get(DELTA_FILE), ref) };
  const [commit, base, delta] = await readObjects(repo, [revision, `${revision}:${STATE_FILE}`, `${revision}:${DELTA_FILE}`]);
  if (!commit) return { state: emptyState() };
  return { commit: commit.oid, ...storedState(base, delta, ref) };
}

/**
 * Writes `next`, which is `change` applied to the state of `parent` pruned of
 * `expired`, as a child commit of `parent`: only the delta, unless it has
 * grown enough to fold into a new base (or there is no base yet). Returns the
 * commit (the ref is not moved) and its layout.
 */
async function commitState(repo: Repo, parent: { commit?: string; layout?: StateLayout }, next: State, change: StateChange, message: string, expired: Expired) {
  const format = objectFormatOf(parent.commit);
  const blob = (text: string) => writeObject(repo, 'blob', Buffer.from(text), format);
  const delta = parent.layout && withChange(withChange(parent.layout.delta, expired), change);
  let layout: StateLayout;
  let files: Array<{ name: string; oid: string }>;
  // A version 1 base (written before the delta) is folded at once: an AgentSync of then would read it alone.
  if (parent.layout?.baseVersion === STATE_FORMAT && delta && !shouldFold(delta, parent.layout.baseSize)) {
    layout = { ...parent.layout, delta };
    files = [{ name: STATE_FILE, oid: parent.layout.baseOid }, { name: DELTA_FILE, oid: await blob(serializeDelta(delta)) }];
  } else {
    // Folding writes the pruned state: expired entries leave the store here.
    layout = { baseOid: await blob(serializeState(next)), baseSize: stateSize(next), baseVersion: STATE_FORMAT, delta: emptyDelta() };
    files = [{ name: STATE_FILE, oid: layout.baseOid }];
  }
  const tree = await writeObject(repo, 'tree', treeContent(files), format);
  return { commit: await writeCommit(repo, tree, parent.commit, agentSignature(change.agent), message), layout };
}

/** Entries of the state a write builds on whose lease ran out: the write removes them too. */
type Expired = Pick<StateChange, 'sessions' | 'claims'>;

/** A state's live entries, and its expired ones as removals. */
type Split = ReturnType<typeof splitExpired>;

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

/** Full-jitter exponential backoff for the audit log's few tries. */
const backoff = (attempt: number) => 1 + Math.floor(Math.random() * 20 * 2 ** attempt);

/** One attempt's outcome: a commit to move the ref to (none: nothing to write) and the result. */
interface Attempt<T> {
  commit?: string;
  result: T;
}

/** The state the ref holds now; `known` itself, not parsed again, when the ref still holds its commit. */
async function readStateUnless(repo: Repo, known: Snapshot): Promise<Snapshot> {
  const [head] = await readObjects(repo, [STATE_REF]);
  if (head?.oid === known.commit) return known;
  return head ? readState(repo, STATE_REF, head.oid) : { state: emptyState() };
}

/** Moves `ref` to `commit` if it still holds `parent` (undefined: no ref yet), locally or on the coordination remote first. */
async function publishCommit(repo: Repo, ref: string, commit: string, parent: string | undefined, remote: { name: string; hasRef: boolean } | undefined) {
  if (!remote) return compareAndSwap(repo, ref, commit, parent);
  if (!(await pushWithLease(repo, remote.name, ref, commit, remote.hasRef ? parent : undefined))) return false;
  // Best effort: a busy local ref catches up on the next fetch; the remote already holds the truth.
  await git(['update-ref', ref, commit], { cwd: repo.root }).catch(() => undefined);
  return true;
}

/** The commit `ref` holds in this clone, after fetching it from the remote (whether the remote has it). */
async function currentTip(repo: Repo, ref: string, remote: string | undefined) {
  const hasRef = remote ? await pullRef(repo, remote, ref) : false;
  const parent = (await tryGit(['rev-parse', '-q', '--verify', `${ref}^{commit}`], { cwd: repo.root }))?.trim() || undefined;
  return { parent, hasRef };
}

/**
 * Moves `ref` by compare-and-swap, `attempts` times at most: `build` gets the
 * commit the ref holds now and makes the next one. Used for the audit log,
 * whose records never conflict and are rare; losers retry after a jittered backoff.
 */
async function casLoop<T>(repo: Repo, ref: string, remote: string | undefined, attempts: number, build: (parent: string | undefined) => Promise<Attempt<T>>) {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const { parent, hasRef } = await currentTip(repo, ref, remote);
    const { commit, result } = await build(parent);
    if (!commit) return result;
    if (await publishCommit(repo, ref, commit, parent, remote ? { name: remote, hasRef } : undefined)) return result;
    await sleep(backoff(attempt));
  }
  throw new EnvironmentError(`Could not update ${ref}: other writers won ${attempts} times in a row.`, {
    where: ref,
    hint: `Try again; if it persists, look for a runaway process writing to the store (\`git log ${ref}\`).`,
  });
}

/** A write waiting in the clone's queue: the change and its commit message. */
interface QueuedWrite {
  change: StateChange;
  message: string;
  /** The commit the change was computed from (null: no state yet). */
  base: string | null;
}

/** What the writer that published a batch tells each process: published, computed again from this state, or failed. */
type WriteOutcome =
  | { published: true }
  | { rebaseOn: string | null }
  | { failed: Failure };

/** An error, as data for the process that queued the write. */
interface Failure {
  message: string;
  where?: string;
  hint?: string;
  unreachable: boolean;
}

/** Rejected pushes in a row with the ref unmoved after which a writer stops: not a race, something refuses it (about a second). */
const MAX_UNMOVED_REJECTIONS = 20;

/**
 * Publishes a batch of queued writes from the processes of this clone: rebase
 * each change in order onto the newest state, one commit per write (its
 * author and message), and one compare-and-swap for them all. Through a
 * remote the newest state is fetched first; locally the first try trusts
 * `known`, the state this process last read, and a stale guess costs one
 * failed `update-ref`. A lost race starts again at once from the winner's
 * state: nothing is refused for being busy. A change that no longer applies
 * goes back to its process, to be computed again from the state that was
 * published. `knownSplit` is `known` split by {@link splitExpired} already:
 * with thousands of entries, not worth doing twice for one write.
 */
async function publishBatch(repo: Repo, options: StoreOptions, pending: () => QueuedWrite[], known: Snapshot, knownSplit: Split): Promise<WriteOutcome[]> {
  const remote = options.remote?.name;
  let writes = pending();
  try {
    // Locally, the first try trusts the state this process just read; through a remote, it fetches first.
    let fetched = Boolean(remote);
    let rejected: { parent: string | undefined } | undefined;
    for (let unmoved = 0; ; ) {
      const hasRef = remote ? await pullRef(repo, remote, STATE_REF) : false;
      const current = fetched ? await readStateUnless(repo, known) : known;
      const parent = current.commit;
      if (rejected && parent === rejected.parent) {
        // Rejected, yet nobody moved the ref: the winner's update not visible yet, a stale lock, a host refusing us.
        if (++unmoved >= MAX_UNMOVED_REJECTIONS) throw refusedWithoutRace(remote);
        await sleep(10 + Math.random() * 40);
      } else unmoved = 0;
      // Writes queued while this batch lost a round join it.
      if (rejected) writes = pending();
      const now = options.now?.() ?? new Date();
      let { live: state, expired } = current === known ? knownSplit : splitExpired(current.state, now);
      let tip: { commit?: string; layout?: StateLayout } = current;
      const published = [];
      for (const { change, message, base } of writes) {
        // Each change rebases onto the state the batch's earlier ones made.
        const next = rebaseChange(state, change, now, { sameBase: tip.commit === parent && base === (parent ?? null) });
        published.push(next !== undefined);
        if (!next) continue;
        state = next;
        tip = await commitState(repo, tip, next, change, message, expired);
        expired = emptyDelta();
      }
      const wrote = tip.commit !== parent;
      const won = wrote && (await publishCommit(repo, STATE_REF, tip.commit as string, parent, remote ? { name: remote, hasRef } : undefined));
      // A change that does not apply to a guessed state is tried again on the fetched one.
      if (won || (!wrote && fetched)) return published.map((ok) => (ok ? { published: true } : { rebaseOn: tip.commit ?? null }));
      rejected = wrote ? { parent } : undefined;
      fetched = true;
    }
  } catch (error) {
    return writes.map(() => ({ failed: failureOf(error) }));
  }
}

function failureOf(error: unknown): Failure {
  const { message, where, hint } = error instanceof AgentSyncError ? error : { message: String((error as Error)?.message ?? error), where: undefined, hint: undefined };
  return { message, where, hint, unreachable: error instanceof RemoteUnreachableError };
}

function reviveFailure(failed: Failure): EnvironmentError {
  const details = { where: failed.where, hint: failed.hint };
  return failed.unreachable ? new RemoteUnreachableError(failed.message, details) : new EnvironmentError(failed.message, details);
}

function refusedWithoutRace(remote: string | undefined): EnvironmentError {
  const who = remote ? `the coordination remote "${remote}"` : 'git';
  return new EnvironmentError(`Could not update ${STATE_REF}: ${who} refused the update ${MAX_UNMOVED_REJECTIONS} times though no other writer moved it.`, {
    where: STATE_REF,
    hint: `Look for a stale \`${STATE_REF}.lock\` in the git dir or a hook on the host refusing the push; \`git log ${STATE_REF}\` shows the last writes.`,
  });
}

const queueDir = (repo: Repo) => join(repo.commonDir, 'agentsync', 'writes');

/**
 * Applies `mutate` to the state and publishes the result. Expired entries are
 * pruned first, so `mutate` sees live state only. The change goes through the
 * clone's write queue, whose leader rebases it onto the newest state and
 * publishes it with the other processes' writes; `mutate` runs again only
 * when its change no longer applies there. A refusal (`mutate` throws) or a
 * decision to write nothing counts only against a freshly fetched state.
 * Returns what `mutate` returned.
 */
export async function updateState<T>(repo: Repo, options: StoreOptions, mutate: (state: State, now: Date) => Mutation<T>): Promise<T> {
  await options.authorize?.(options.actor);
  const remote = options.remote?.name;
  let snapshot = await readState(repo);
  // Without a remote the local ref is the truth; with one, the local copy may be behind until fetched.
  let fresh = !remote;
  for (;;) {
    const now = options.now?.() ?? new Date();
    const split = splitExpired(snapshot.state, now);
    const seen = split.live;
    let mutation: Mutation<T> | undefined;
    try {
      mutation = mutate(seen, now);
    } catch (error) {
      if (fresh) throw error;
    }
    const change = mutation?.state && changeOf(seen, mutation.state, options.actor);
    if (mutation && !change && fresh) return mutation.result;
    if (!mutation || !change) {
      await pullRef(repo, remote as string, STATE_REF);
      snapshot = await readState(repo);
      fresh = true;
      continue;
    }
    const outcome = await throughQueue<QueuedWrite, WriteOutcome>(queueDir(repo), { change, message: mutation.message, base: snapshot.commit ?? null }, (pending) =>
      publishBatch(repo, options, pending, snapshot, split),
    );
    if ('failed' in outcome) throw reviveFailure(outcome.failed);
    if ('published' in outcome) return mutation.result;
    snapshot = outcome.rebaseOn ? await readState(repo, STATE_REF, outcome.rebaseOn) : { state: emptyState() };
    fresh = true;
  }
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
  // A few attempts only: an emergency skip must not wait long on anyone.
  await casLoop(repo, ref, remote?.name, 5, async (parent) => {
    const emptyTree = await writeObject(repo, 'tree', Buffer.alloc(0), objectFormatOf(parent));
    return { commit: await writeCommit(repo, emptyTree, parent, agentSignature(actor), message), result: undefined };
  });
}
