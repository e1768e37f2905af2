/** A commit checked out where its checks can run, away from the working copy. */
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, type Repo } from '../git/git';

/** Checks out `commit` in a temporary detached worktree, sharing node_modules, and always removes it. */
export async function inTemporaryWorktree<T>(repo: Repo, commit: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(mkdtempSync(join(tmpdir(), 'agentsync-health-')), 'tree');
  try {
    await git(['worktree', 'add', '--detach', '--quiet', dir, commit], { cwd: repo.root });
    const modules = join(repo.root, 'node_modules');
    if (existsSync(modules)) symlinkSync(modules, join(dir, 'node_modules'), 'dir');
    return await body(dir);
  } finally {
    await git(['worktree', 'remove', '--force', dir], { cwd: repo.root }).catch(() => undefined);
    rmSync(join(dir, '..'), { recursive: true, force: true });
    await git(['worktree', 'prune'], { cwd: repo.root }).catch(() => undefined);
  }
}
