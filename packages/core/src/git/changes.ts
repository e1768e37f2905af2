/**
 * Which paths a change touches, read from git with NUL-separated output so any
 * file name works. A rename or copy touches both its old and its new path:
 * moving a file out of a claimed folder is touching that folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, splitNul, type Repo } from './git';

export interface PathChange {
  /** git's status letter: A, M, D, R, C, T (the first parent's, for a merge). */
  status: string;
  /** The touched paths: one, or the old and the new path of a rename or copy. */
  paths: string[];
}

/** A staged change, and where asked for, its added plus deleted lines per path. */
export interface StagedChange {
  changes: PathChange[];
  lines?: Map<string, number>;
}

/** A rename or copy names two paths; a combined (merge) status such as "MM" names one. */
const pathCount = (status: string) => (/^[RC]\d*$/.test(status) ? 2 : 1);

/** Parses `--name-status -z` output: a status field, then one path, or two for renames and copies. */
export function parseNameStatus(output: string): PathChange[] {
  const fields = splitNul(output);
  const changes: PathChange[] = [];
  for (let i = 0; i < fields.length; ) {
    const status = fields[i++];
    const count = pathCount(status);
    changes.push({ status: status[0], paths: fields.slice(i, i + count) });
    i += count;
  }
  return changes;
}

/**
 * Parses `--raw --numstat -z` output: raw records (`:modes shas STATUS`, then
 * the paths) come first, then numstat records (`added\tdeleted\tpath`, or with
 * an empty path followed by the old and new path of a rename). Paths are only
 * ever taken by position, so no file name can pass for a record.
 */
export function parseRawNumstat(output: string): Required<StagedChange> {
  const fields = splitNul(output);
  const changes: PathChange[] = [];
  const lines = new Map<string, number>();
  for (let i = 0; i < fields.length; ) {
    const field = fields[i++];
    if (field.startsWith(':')) {
      const status = field.slice(field.lastIndexOf(' ') + 1);
      const count = pathCount(status);
      changes.push({ status: status[0], paths: fields.slice(i, i + count) });
      i += count;
      continue;
    }
    const first = field.indexOf('\t');
    const second = field.indexOf('\t', first + 1);
    const [added, deleted, path] = [field.slice(0, first), field.slice(first + 1, second), field.slice(second + 1)];
    const paths = path === '' ? fields.slice(i, (i += 2)) : [path];
    // Binary files show "-": count them as one line so a limit still applies.
    const count = added === '-' ? 1 : Number(added) + Number(deleted);
    for (const p of paths) lines.set(p, count);
  }
  return { changes, lines };
}

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const DIFF_OPTIONS = ['-z', '-M', '--no-ext-diff', '--no-relative', '--ignore-submodules=none'];

/** The commits being merged in, while a merge waits for its commit. */
async function mergeHeads(repo: Repo): Promise<string[]> {
  try {
    return (await readFile(join(repo.gitDir, 'MERGE_HEAD'), 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The staged change, as the next commit would record it, in one git call
 * (plus one per merged head while a merge is concluded). A merge touches only
 * what differs from every parent: what the other side brought was checked where
 * it was made. `lines` asks for the changed line counts too, which costs reading
 * the blobs.
 */
export async function stagedChange(repo: Repo, options: { lines?: boolean } = {}): Promise<StagedChange> {
  const cwd = repo.root;
  const [out, heads] = await Promise.all([
    git(['diff', '--cached', '--raw', ...(options.lines ? ['--numstat'] : []), ...DIFF_OPTIONS], { cwd }),
    mergeHeads(repo),
  ]);
  const { changes, lines } = parseRawNumstat(out);
  if (heads.length === 0) return { changes, lines: options.lines ? lines : undefined };
  const theirs = await Promise.all(
    heads.map(async (head) => new Set(splitNul(await git(['diff', '--cached', '--name-only', '--no-renames', '-z', '--no-relative', head], { cwd })))),
  );
  const ours = changes.filter((change) => change.paths.some((path) => theirs.every((set) => set.has(path))));
  return { changes: ours, lines: options.lines ? lines : undefined };
}

/** The staged change's paths (see {@link stagedChange}). */
export async function stagedPaths(repo: Repo): Promise<PathChange[]> {
  return (await stagedChange(repo)).changes;
}

/**
 * What each commit changed, in one git call for all of them: against its parent
 * (everything, for a root commit), and for a merge only the paths that differ
 * from every parent, so merging a published branch in touches nothing of its own.
 */
export async function commitsPaths(repo: Repo, commits: readonly string[]): Promise<Map<string, PathChange[]>> {
  const result = new Map(commits.map((commit) => [commit, [] as PathChange[]]));
  if (commits.length === 0) return result;
  const out = await git(['diff-tree', '--stdin', '-r', '-c', '--name-status', '--root', ...DIFF_OPTIONS], {
    cwd: repo.root,
    input: `${commits.join('\n')}\n`,
  });
  // Each commit's records follow its id; a status is never an object id, and paths are taken by count.
  let current: PathChange[] = [];
  const fields = splitNul(out);
  for (let i = 0; i < fields.length; ) {
    const field = fields[i++];
    if (OBJECT_ID.test(field)) {
      current = result.get(field) ?? [];
      result.set(field, current);
      continue;
    }
    const count = pathCount(field);
    current.push({ status: field[0], paths: fields.slice(i, i + count) });
    i += count;
  }
  return result;
}
