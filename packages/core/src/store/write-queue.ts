/**
 * One writer per clone: the processes of a clone that write the store at the
 * same time hand their writes to whichever of them holds a lock file, which
 * publishes them together (one fetch and one push for the whole batch) while
 * the others wait. Without it every process competes for the one ref on its
 * own and a crowd costs each writer a round per winner before it.
 *
 * Files, under `<common git dir>/agentsync/writes/`, where `<id>` ends in
 * `~<pid>@<host>` of the process that wrote it:
 * - `<id>.write`: a process's write, waiting (JSON);
 * - `<id>.taken-<pid>@<host>`: the same, being published by that leader;
 * - `<id>.done`: its outcome, read and removed by the process that wrote it;
 * - `lock`: the leader's `<pid>@<host>`, touched every round.
 *
 * The lock only saves work: correctness stays with the compare-and-swap on
 * the ref, so two leaders (a stale lock taken over twice) cost a lost round,
 * never a lost or doubled write. Each write is taken by one leader only (a
 * rename), and one taken by a leader that died goes back to the queue. A
 * new leader first clears what killed processes left (see {@link sweep}).
 */
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, watch, writeFileSync, writeSync, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** A lock whose holder is on another machine counts as abandoned after this long without a touch. */
const STALE_LOCK_MS = 60_000;
/** How often a waiting process without file events looks for its outcome. */
const POLL_MS = 25;
/** Every how many polls it checks that the leader is alive; with file events, on every quiet POLL_MS × this. */
const LIVENESS_EVERY = 8;
/** A temporary file lives for one write and rename; one this old was left by a process killed in between. */
const STALE_TEMP_MS = 60_000;
/** A file of a process on another host untouched this long is taken for abandoned: a live one queues its write again. */
const STALE_FOREIGN_MS = 10 * 60_000;

const self = `${process.pid}@${hostname()}`;
let sequence = 0;
const WRITE = '.write';
const DONE = '.done';
const TAKEN = '.taken-';

/**
 * What a leader does with the queue: `pending()` takes what was queued since
 * its last call and returns every write taken so far, oldest first; the
 * outcomes answer the first writes of that list, in order (any taken later
 * go back to the queue). Call it again before each try, so a write queued
 * meanwhile joins the batch.
 */
export type PublishBatch<W, O> = (pending: () => W[]) => Promise<O[]>;

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** Whether the process named by `owner` (`pid@host`) is gone; a process on another host is judged by `touchedAgoMs`. */
function ownerGone(owner: string, touchedAgoMs: number): boolean {
  const at = owner.lastIndexOf('@');
  const pid = Number(owner.slice(0, at));
  if (owner.slice(at + 1) !== hostname() || !Number.isInteger(pid) || pid <= 0) return touchedAgoMs > STALE_LOCK_MS;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Queues `write` in `dir` and resolves with its outcome, published by this
 * process or by another of the clone, whichever holds the lock.
 */
export async function throughQueue<W, O>(dir: string, write: W, publish: PublishBatch<W, O>): Promise<O> {
  mkdirSync(dir, { recursive: true });
  // Sortable: a leader publishes the writes in the order they were queued.
  const id = `${Date.now().toString(36)}-${String(sequence++).padStart(6, '0')}-${Math.random().toString(36).slice(2, 8)}~${self}`;
  writeAtomically(join(dir, id + WRITE), JSON.stringify(write));
  // Only its own outcome and the lock changing hands concern a waiting process.
  const waiter = new Waiter(dir, (name) => name === id + DONE || name === 'lock');
  try {
    for (let checkLeader = true, looks = 0; ; ) {
      const outcome = readOutcome<O>(dir, id);
      if (outcome) return outcome.value;
      if (checkLeader) keepQueued(dir, id, write);
      if ((checkLeader || !existsSync(join(dir, 'lock'))) && takeLock(dir)) {
        let published: boolean;
        try {
          published = await lead(dir, id, publish);
        } finally {
          releaseLock(dir);
        }
        if (published) continue;
        // Nothing to publish, this write included, and no outcome: it went missing.
        keepQueued(dir, id, write);
      }
      const timedOut = await waiter.next();
      // Whether the leader died is looked at on quiet timeouts only: a crowd of pollers costs the leader CPU.
      checkLeader = timedOut && (waiter.watching || ++looks % LIVENESS_EVERY === 0);
    }
  } finally {
    waiter.close();
  }
}

function readOutcome<O>(dir: string, id: string): { value: O } | undefined {
  const file = join(dir, id + DONE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  unlinkSync(file);
  return { value: JSON.parse(text) as O };
}

/** Takes the lock, or takes over one whose holder is gone; false when a live leader holds it. */
function takeLock(dir: string): boolean {
  const lock = join(dir, 'lock');
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, self);
      closeSync(fd);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      const owner = readFileSync(lock, 'utf8');
      const ageMs = Date.now() - statSync(lock).mtimeMs;
      // A lock being created has no content for a moment; one left empty by a crash has none for good.
      if (owner ? !ownerGone(owner, ageMs) : ageMs < 5_000) return false;
      unlinkSync(lock);
    } catch {
      // Released meanwhile: try again.
    }
  }
  return false;
}

/** Who holds the lock now, if anyone. */
function lockHolder(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'lock'), 'utf8');
  } catch {
    return undefined;
  }
}

function releaseLock(dir: string): void {
  try {
    if (readFileSync(join(dir, 'lock'), 'utf8') === self) unlinkSync(join(dir, 'lock'));
  } catch {
    // Already taken over.
  }
}

/**
 * Keeps this process's write queued: one taken by a leader that no longer
 * leads (dead, or the lock names another: a leader holds it as long as it
 * holds writes) goes back to the queue (it may have been published: the
 * change is idempotent), and one that is gone altogether, outcome included
 * (cleared by a process that judged this one gone), is queued again.
 */
function keepQueued<W>(dir: string, id: string, write: W): void {
  const own = readdirSync(dir).filter((name) => name.startsWith(`${id}.`));
  if (own.length === 0) return writeAtomically(join(dir, id + WRITE), JSON.stringify(write));
  const taken = own.find((name) => name.startsWith(id + TAKEN));
  const leader = taken?.slice(id.length + TAKEN.length);
  if (!taken || !leader || (lockHolder(dir) === leader && !ownerGone(leader, 0))) return;
  try {
    renameSync(join(dir, taken), join(dir, id + WRITE));
  } catch {
    // Someone else put it back first.
  }
}

/**
 * Clears what processes killed midway left: temporary files, and the writes
 * and outcomes of processes of this host that are gone (nobody waits for
 * them; a write being published, by a leader alive, is left to it).
 */
function sweep(dir: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    try {
      if (TEMPORARY.test(name)) {
        if (now - statSync(file).mtimeMs > STALE_TEMP_MS) unlinkSync(file);
        continue;
      }
      const owners = ownersOf(name);
      const gone = (owner: string) => (onThisHost(owner) ? ownerGone(owner, 0) : now - statSync(file).mtimeMs > STALE_FOREIGN_MS);
      if (owners && gone(owners.writer) && (owners.leader === undefined || gone(owners.leader))) unlinkSync(file);
    } catch {
      // Taken, answered or cleared by another process meanwhile.
    }
  }
}

/** A temporary file of {@link writeAtomically}. */
const TEMPORARY = /\.tmp-\d+$/;

/**
 * Whether `owner` (`pid@host`) runs on this host, where it can be asked
 * whether it lives. One elsewhere (a disk shared between hosts) is judged by
 * how long its files lie untouched: a write removed from under a live one is
 * only queued again by it ({@link keepQueued}), at the cost of a round.
 */
function onThisHost(owner: string): boolean {
  return owner.slice(owner.lastIndexOf('@') + 1) === hostname();
}

/** The writer (`pid@host`) of a queue file and, for a taken write, its leader; undefined for the lock and names of other forms. */
function ownersOf(name: string): { writer: string; leader?: string } | undefined {
  const rest = name.slice(name.indexOf('~') + 1);
  if (rest === name) return undefined;
  const taken = rest.indexOf(TAKEN);
  if (taken >= 0) return { writer: rest.slice(0, taken), leader: rest.slice(taken + TAKEN.length) };
  for (const suffix of [WRITE, DONE]) if (rest.endsWith(suffix)) return { writer: rest.slice(0, -suffix.length) };
  return undefined;
}

/** Publishes batches of whatever is queued until this process's own write has its outcome; false when there was nothing to publish. */
async function lead<W, O>(dir: string, id: string, publish: PublishBatch<W, O>): Promise<boolean> {
  let published = false;
  const lock = join(dir, 'lock');
  sweep(dir);
  while (!readdirSync(dir).includes(id + DONE)) {
    const taken: Array<{ file: string; id: string; write: W }> = [];
    const pending = () => {
      const now = new Date();
      utimesSync(lock, now, now);
      taken.push(...takeQueued<W>(dir));
      return taken.map((t) => t.write);
    };
    if (pending().length === 0) return published;
    let outcomes: O[];
    try {
      outcomes = await publish(pending);
    } catch (error) {
      for (const t of taken) renameSync(t.file, join(dir, t.id + WRITE));
      throw error;
    }
    taken.forEach((t, i) => {
      // Taken after the publisher's last look: back to the queue.
      if (i >= outcomes.length) renameSync(t.file, join(dir, t.id + WRITE));
      else {
        writeAtomically(join(dir, t.id + DONE), JSON.stringify(outcomes[i]));
        unlinkSync(t.file);
      }
    });
    published = true;
  }
  return published;
}

/** Takes every queued write, oldest first, by renaming it to this leader's name. */
function takeQueued<W>(dir: string): Array<{ file: string; id: string; write: W }> {
  const taken = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(WRITE)).sort()) {
    const writeId = name.slice(0, -WRITE.length);
    const file = join(dir, `${writeId}${TAKEN}${self}`);
    try {
      renameSync(join(dir, name), file);
      taken.push({ file, id: writeId, write: JSON.parse(readFileSync(file, 'utf8')) as W });
    } catch {
      // Taken by another leader (two leaders after a takeover), or half written: not ours.
    }
  }
  return taken;
}

/** Wakes a waiting process when a file of the queue changes, or after POLL_MS (file events are a shared, limited resource). */
class Waiter {
  private watcher?: FSWatcher;
  /** An event came since the last look: the next wait returns at once, so none is missed. */
  private changed = false;
  private wake?: () => void;

  constructor(dir: string, concerns: (name: string) => boolean) {
    try {
      this.watcher = watch(dir, (_event, name) => {
        if (name && !concerns(name.toString())) return;
        this.changed = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.close());
    } catch {
      // Out of inotify instances: polling alone.
    }
  }

  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /** Resolves when something of concern changed (false) or after the poll interval (true). */
  next(): Promise<boolean> {
    if (this.changed) {
      this.changed = false;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const done = (timedOut: boolean) => {
        clearTimeout(timer);
        this.changed = false;
        this.wake = undefined;
        resolve(timedOut);
      };
      const timer = setTimeout(() => done(true), this.watcher ? POLL_MS * LIVENESS_EVERY : POLL_MS);
      this.wake = () => done(false);
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
