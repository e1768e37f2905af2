/**
 * Reading and writing AgentTracker.md: every update takes an exclusive lock,
 * re-reads the file under it and replaces it atomically, so concurrent agents
 * never lose each other's entries and a reader never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type lockfileModule = require('proper-lockfile');
import { EnvironmentError, fileProblem, TrackerError } from '../errors';
import { TRACKER_FILE } from '../domain/tracker/constants';
import { createTrackerText, parseTracker, renderTracker, type TrackerDoc } from '../domain/tracker';

export { TRACKER_FILE };

/** Name of the lock (a directory) inside the lock dir. */
export const TRACKER_LOCK = `.${TRACKER_FILE}.lock`;

const LOCK_WAIT_MS = 10_000;
/** A lock whose holder stopped refreshing it (a crash) is taken over after this long. */
const LOCK_STALE_MS = 5_000;

export interface UpdateTrackerOptions {
  /** Start from createTrackerText() when the file does not exist (otherwise that is an error). */
  create?: boolean;
  /** Where the lock lives: the worktree's git dir keeps it out of `git add`; default the repository root. */
  lockDir?: string;
}

/** Reads and parses `<root>/AgentTracker.md`; undefined when the file does not exist. */
export async function readTracker(root: string): Promise<TrackerDoc | undefined> {
  const text = await readText(path.join(root, TRACKER_FILE));
  return text === undefined ? undefined : parseTracker(text, TRACKER_FILE);
}

/** Locks the tracker, re-reads it, applies `mutate` and writes the result atomically; a parse error writes nothing. */
export async function updateTracker(
  root: string,
  mutate: (doc: TrackerDoc) => void | Promise<void>,
  options: UpdateTrackerOptions = {},
): Promise<TrackerDoc> {
  const file = path.join(root, TRACKER_FILE);
  const held = await acquireLock(file, path.join(options.lockDir ?? root, TRACKER_LOCK));
  try {
    const before = await readText(file);
    if (before === undefined && !options.create) {
      throw new TrackerError(TRACKER_FILE, undefined, 'the tracker file does not exist', 'Run `agentsync init` to create it.');
    }
    const doc = parseTracker(before ?? createTrackerText(), TRACKER_FILE);
    await mutate(doc);
    const after = renderTracker(doc);
    if (after !== before) {
      held.assertHeld();
      await writeAtomic(file, after);
    }
    return doc;
  } finally {
    await held.release();
  }
}

async function readText(file: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TrackerError(TRACKER_FILE, undefined, `the tracker ${fileProblem(error)}`, `Make ${file} a readable file (move the directory aside, or \`git checkout -- ${TRACKER_FILE}\`).`);
  }
  try {
    // Fatal decoding: a lossy round trip would silently rewrite the prose.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new TrackerError(TRACKER_FILE, undefined, 'the file is not valid UTF-8', 'Re-save it as UTF-8, or restore it from git.');
  }
}

interface HeldLock {
  /** Throws if the lock was lost (another process judged it stale), so nothing is written without it. */
  assertHeld(): void;
  release(): Promise<void>;
}

async function acquireLock(file: string, lockfilePath: string): Promise<HeldLock> {
  let lost: Error | undefined;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      // Loaded on the first write: commands that only read the tracker (status, check) never need it.
      const { lock } = require('proper-lockfile') as typeof lockfileModule;
      const release = await lock(file, {
        lockfilePath,
        realpath: false, // the tracker may not exist yet
        stale: LOCK_STALE_MS,
        onCompromised: (error) => {
          lost = error;
        },
      });
      return {
        assertHeld() {
          if (lost) {
            throw new EnvironmentError(`Lost the lock on ${TRACKER_FILE}: ${lost.message}`, {
              where: lockfilePath,
              hint: 'The process stalled for more than 5 seconds and another one took over; run the command again.',
            });
          }
        },
        // A lost lock is already gone: nothing left to release.
        release: () => (lost ? Promise.resolve() : release()),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() > deadline) {
        throw new EnvironmentError(`${TRACKER_FILE} is locked by another agentsync process.`, {
          where: lockfilePath,
          hint: 'Run the command again in a moment; a lock left behind by a crashed process expires by itself after 5 seconds.',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  }
}

/**
 * Writes a temp file beside the target, fsyncs it and renames it over the target, keeping the target's mode.
 * A symbolic link is written through: the rename goes to the file it points at, so the link stays a link.
 */
async function writeAtomic(link: string, text: string): Promise<void> {
  const file = await realpath(link).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    return lstat(link).then(
      () => {
        throw new TrackerError(TRACKER_FILE, undefined, `${link} is a symbolic link to nothing`, 'Point the link at a file, or replace it with the file itself.');
      },
      () => link,
    );
  });
  const mode = await stat(file).then(
    (s) => s.mode & 0o7777,
    () => undefined,
  );
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode ?? 0o666);
    try {
      // open()'s mode is filtered by the umask; an existing file's mode is restored exactly.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
