/**
 * Throwaway git repositories for the specs of git/: one clean environment (no system or user
 * config, a fixed author), each folder removed after the spec file that made it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

export const TEST_GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmpdir(), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' };

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** `dir`, removed after this spec file's tests. */
export function removedAfterAll(dir: string): string {
  dirs.push(dir);
  return dir;
}

/** A new repository (`git init -q` with `initArgs`, default branch main), its git runner and a file writer. */
export function tempGitRepo(prefix: string, initArgs: string[] = ['-b', 'main']) {
  const dir = removedAfterAll(realpathSync(mkdtempSync(join(tmpdir(), `agentsync-${prefix}-`))));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: TEST_GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', ...initArgs);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  return { dir, git, write };
}
