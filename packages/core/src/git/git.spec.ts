import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removedAfterAll, tempGitRepo, TEST_GIT_ENV } from './git.fixtures';
import { EnvironmentError } from '../errors';
import { currentBranch, gitLines, openRepo, readLooseFiles, readObjects } from './git';


function tempRepo() {
  return tempGitRepo('git');
}

/** What git itself says, the reference the fast path must match. */
function gitSays(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd, env: TEST_GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

describe('currentBranch', () => {
  it('agrees with git symbolic-ref on unborn, nested, detached and non-branch HEADs', async () => {
    const { dir, git } = tempRepo();
    const repo = await openRepo(dir);
    const seen: Array<string | undefined> = [];
    const check = async () => {
      const branch = await currentBranch(repo);
      expect(branch).toBe(gitSays(dir));
      seen.push(branch);
    };
    await check(); // unborn main
    git('commit', '-q', '--allow-empty', '-m', 'first');
    git('checkout', '-q', '-b', 'claude/deep/feature-ü');
    await check();
    git('checkout', '-q', '--detach');
    await check();
    // A HEAD pointing outside refs/heads (rare, but git allows it) is left to git.
    git('update-ref', 'refs/remotes/origin/x', 'HEAD');
    git('symbolic-ref', 'HEAD', 'refs/remotes/origin/x');
    await check();
    expect(seen).toEqual(['main', 'claude/deep/feature-ü', undefined, 'origin/x']);
  });

  it("reads a linked worktree's own HEAD, not the main one's", async () => {
    const { dir, git } = tempRepo();
    git('commit', '-q', '--allow-empty', '-m', 'first');
    const other = join(dir, '..', `${dir.split('/').pop()}-wt`);
    removedAfterAll(other);
    git('worktree', 'add', '-q', '-b', 'codex/other', other);
    expect(await currentBranch(await openRepo(other))).toBe('codex/other');
    expect(await currentBranch(await openRepo(dir))).toBe('main');
  });
});

describe('readObjects', () => {
  it('reads objects in order, byte-exact after multi-byte and non-UTF-8 ones, with undefined for each missing one', async () => {
    const { dir, git } = tempRepo();
    const texts = { 'a b.json': '{"name":"é ✓ 𝄞"}\n', 'plain.txt': 'second\n', 'empty': '' };
    for (const [name, text] of Object.entries(texts)) writeFileSync(join(dir, name), text);
    // Not UTF-8: decoding it would change its length and shift every object after it.
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from([0xe9, 0xff, 0x0a]));
    git('add', '-A');
    git('commit', '-q', '-m', 'objects');
    const head = git('rev-parse', 'HEAD').trim();
    const objects = await readObjects(await openRepo(dir), ['HEAD:latin1.txt', 'HEAD:a b.json', 'HEAD:no such file', 'HEAD:empty', 'HEAD', 'HEAD:plain.txt', 'refs/nothing']);
    expect(objects.map((object) => object?.content).slice(1)).toEqual([texts['a b.json'], undefined, '', expect.stringContaining('objects'), texts['plain.txt'], undefined]);
    expect(objects[4]).toMatchObject({ oid: head, type: 'commit' });
    expect(await readObjects(await openRepo(dir), [])).toEqual([]);
  });
});

describe('readLooseFiles', () => {
  it('reads files of a commit from loose objects as git does, in SHA-1 and SHA-256 repositories, and gives up on packed ones', async () => {
    for (const format of ['sha1', 'sha256']) {
      const repoDir = tempGitRepo('loose', [`--object-format=${format}`]);
      const dir = repoDir.dir;
      const git = (...args: string[]) => repoDir.git(...args).trim();
      writeFileSync(join(dir, 'a.json'), '{"ü": 1}\n');
      writeFileSync(join(dir, 'b.txt'), 'other\n');
      git('add', '-A');
      git('commit', '-q', '-m', 'x');
      git('update-ref', 'refs/agentsync/state', 'HEAD');
      const repo = await openRepo(dir);
      const read = await readLooseFiles(repo, 'refs/agentsync/state', ['a.json', 'missing.json']);
      expect(read?.commit).toBe(git('rev-parse', 'HEAD'));
      expect([...(read?.files.entries() ?? [])]).toEqual([['a.json', { oid: git('rev-parse', 'HEAD:a.json'), type: 'blob', content: '{"ü": 1}\n' }]]);
      git('gc', '-q', '--prune=now');
      expect(await readLooseFiles(repo, 'refs/agentsync/state', ['a.json'])).toBeUndefined();
    }
  });
});

describe('gitLines', () => {
  it('hands stdout over line by line, and a missing directory is an EnvironmentError as with git()', async () => {
    const lines: string[] = [];
    await gitLines(['version'], { cwd: tmpdir() }, (line) => lines.push(line));
    expect(lines[0]).toMatch(/^git version /);
    const missing = gitLines(['version'], { cwd: join(tmpdir(), 'agentsync-no-such-dir') }, () => undefined);
    await expect(missing).rejects.toBeInstanceOf(EnvironmentError);
    await expect(missing).rejects.toThrow('does not exist');
  });
});
