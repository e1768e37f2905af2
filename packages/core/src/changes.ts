/**
 * Which paths a change touches, read from git with NUL-separated output so any
 * file name works. A rename or copy touches both its old and its new path:
 * moving a file out of a claimed folder is touching that folder.
 */
import { git, splitNul, type Repo } from './git';

export interface PathChange {
  /** git's status letter: A, M, D, R, C, T. */
  status: string;
  /** The touched paths: one, or the old and the new path of a rename or copy. */
  paths: string[];
}

/** Parses `--name-status -z` output: a status field, then one path, or two for renames and copies. */
export function parseNameStatus(output: string): PathChange[] {
  const fields = splitNul(output);
  const changes: PathChange[] = [];
  for (let i = 0; i < fields.length; ) {
    const status = fields[i++];
    const count = status.startsWith('R') || status.startsWith('C') ? 2 : 1;
    changes.push({ status: status[0], paths: fields.slice(i, i + count) });
    i += count;
  }
  return changes;
}

/** The staged change, as the next commit would record it. */
export async function stagedPaths(repo: Repo): Promise<PathChange[]> {
  return parseNameStatus(
    await git(['diff', '--cached', '--name-status', '-z', '-M', '--no-ext-diff', '--ignore-submodules=none'], {
      cwd: repo.root,
    }),
  );
}

/** What `commit` changed against its first parent (everything, for a root commit). */
export async function commitPaths(repo: Repo, commit: string): Promise<PathChange[]> {
  return parseNameStatus(
    await git(['diff-tree', '-r', '-z', '--name-status', '-M', '--root', '--no-commit-id', '-m', '--first-parent', commit], {
      cwd: repo.root,
    }),
  );
}
