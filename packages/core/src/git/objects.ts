/**
 * Writes the store's objects (a blob, a tree, a commit per write) straight
 * into the object store as loose objects, as git itself writes them: a store
 * write then spawns one git process (the compare-and-swap) instead of four.
 * Wherever that could differ from git's own write (the object format not
 * known, a shared repository, whose permissions git adjusts, a second object
 * format, or git's variables moving the object store) git writes it instead.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, type Repo } from './git';

export type ObjectType = 'blob' | 'tree' | 'commit';

/** sha1 or sha256, told by the length of an object id the repository holds; undefined: ask git. */
export type ObjectFormat = 'sha1' | 'sha256' | undefined;

export const objectFormatOf = (oid: string | undefined): ObjectFormat => (oid?.length === 64 ? 'sha256' : oid?.length === 40 ? 'sha1' : undefined);

let tempCounter = 0;

/** Per common git dir: whether git must write its objects (see {@link gitWritesObjects}). */
const leftToGit = new Map<string, boolean>();

/**
 * Whether this repository's objects are git's to write: a repository shared
 * with a group (git adjusts the permissions of what it makes: init marks
 * objects/ group-writable or setgid, or core.sharedRepository was set since),
 * or one that keeps a second object format (extensions.compatObjectFormat:
 * git maps every object it writes). Looked at once per process; any mention
 * of either in the repository's config counts, whatever its value (a
 * sharedRepository in the user's or system config is not seen: git sets it
 * per repository, at init).
 */
function gitWritesObjects(repo: Repo): boolean {
  let answer = leftToGit.get(repo.commonDir);
  if (answer === undefined) {
    const config = (() => {
      try {
        return readFileSync(join(repo.commonDir, 'config'), 'utf8').toLowerCase();
      } catch {
        return '';
      }
    })();
    answer = (statSync(join(repo.commonDir, 'objects')).mode & 0o2020) !== 0 || /sharedrepository|compatobjectformat/.test(config);
    leftToGit.set(repo.commonDir, answer);
  }
  return answer;
}

/** Writes one object and returns its id; the same bytes give the same id git would give. */
export async function writeObject(repo: Repo, type: ObjectType, content: Buffer, format: ObjectFormat): Promise<string> {
  // Also left to git: config given on git's command line (a hook of `git -c core.sharedRepository=… commit`).
  const overridden = process.env.GIT_OBJECT_DIRECTORY || process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES || process.env.GIT_CONFIG_PARAMETERS || process.env.GIT_CONFIG_COUNT;
  if (!format || overridden || gitWritesObjects(repo)) return (await git(['hash-object', '-w', '-t', type, '--stdin'], { cwd: repo.root, input: content })).trim();
  // Loaded here, not at the top: the hooks load the store to read it, and most of them write nothing.
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const { deflateSync } = require('node:zlib') as typeof import('node:zlib');
  const raw = Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]);
  const oid = createHash(format).update(raw).digest('hex');
  const dir = join(repo.commonDir, 'objects', oid.slice(0, 2));
  const file = join(dir, oid.slice(2));
  if (existsSync(file)) return oid;
  await mkdir(dir, { recursive: true });
  // Written whole under a temporary name, then renamed: a reader never sees half an object.
  const temp = join(dir, `tmp_obj_agentsync_${process.pid}_${++tempCounter}`);
  try {
    // Level 1, as git compresses loose objects unless core.looseCompression says otherwise: fast, and any level reads the same.
    await writeFile(temp, deflateSync(raw, { level: 1 }), { mode: 0o444 });
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    // Another writer put the same object there first (Windows refuses to rename onto it).
    if (existsSync(file)) return oid;
    throw error;
  }
  return oid;
}

/** A tree of regular files at its top, as git stores it: entries sorted by name, each id in binary. */
export function treeContent(files: ReadonlyArray<{ name: string; oid: string }>): Buffer {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  return Buffer.concat(sorted.flatMap(({ name, oid }) => [Buffer.from(`100644 ${name}\0`), Buffer.from(oid, 'hex')]));
}

/** Who made a commit: the same name and email as its author and committer. */
export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  time: number;
}

/**
 * Writes a commit of `tree` on `parent` by `who` (author and committer, now),
 * in-process where git would write the same bytes; else `git commit-tree`,
 * which also works without user.name and user.email.
 */
export async function writeCommit(repo: Repo, tree: string, parent: string | undefined, who: Omit<Signature, 'time'>, message: string): Promise<string> {
  const signature = { ...who, time: Math.floor(Date.now() / 1000) };
  // Dates set for git (GIT_COMMITTER_DATE, GIT_AUTHOR_DATE: a made history, a rebase's hooks) are git's to read.
  const dated = process.env.GIT_COMMITTER_DATE || process.env.GIT_AUTHOR_DATE;
  if (plainSignature(signature) && !dated) return writeObject(repo, 'commit', commitContent(tree, parent, signature, message), objectFormatOf(parent));
  const env = { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email };
  return (await git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], { cwd: repo.root, env })).trim();
}

/** What git drops from a name or email (`<`, `>` and newlines anywhere, "crud" at either end) or refuses (an empty one). */
const UNSAFE_IDENT = /^$|[<>\n\0]|^[\x00-\x20.,:;"'\\]|[\x00-\x20.,:;"'\\]$/;

/** Whether a commit by `who` may be written in-process; otherwise git, which cleans identities, makes it. */
export const plainSignature = (who: Signature) => !UNSAFE_IDENT.test(who.name) && !UNSAFE_IDENT.test(who.email);

/** A commit object as `git commit-tree TREE -p PARENT -m MESSAGE` writes it, dated UTC. */
export function commitContent(tree: string, parent: string | undefined, who: Signature, message: string): Buffer {
  const ident = `${who.name} <${who.email}> ${who.time} +0000`;
  const body = message.endsWith('\n') ? message : `${message}\n`;
  return Buffer.from(`tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author ${ident}\ncommitter ${ident}\n\n${body}`);
}
