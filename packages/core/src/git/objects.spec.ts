import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepo } from './git';
import { tempGitRepo } from './git.fixtures';
import { commitContent, objectFormatOf, plainSignature, treeContent, writeCommit, writeObject } from './objects';

describe('writeObject', () => {
  it('writes blobs, trees and commits that git reads back and fsck accepts, with the ids git gives, in SHA-1 and SHA-256 repositories', async () => {
    for (const format of ['sha1', 'sha256'] as const) {
      const fixture = tempGitRepo('objects', [`--object-format=${format}`]);
      const git = (...args: string[]) => fixture.git(...args).trim();
      git('commit', '-q', '--allow-empty', '-m', 'root');
      const head = git('rev-parse', 'HEAD');
      const repo = await openRepo(fixture.dir);
      expect(objectFormatOf(head)).toBe(format);

      const text = '{"ü": "日本"}\n';
      const blob = await writeObject(repo, 'blob', Buffer.from(text), format);
      expect(blob).toBe(execFileSync('git', ['hash-object', '--stdin'], { cwd: fixture.dir, input: text, encoding: 'utf8' }).trim());
      const other = await writeObject(repo, 'blob', Buffer.from('x'), format);
      const tree = await writeObject(repo, 'tree', treeContent([{ name: 'state.json', oid: blob }, { name: 'delta.json', oid: other }]), format);
      expect(git('ls-tree', '--name-only', tree)).toBe('delta.json\nstate.json');
      const who = { name: 'claude-1a2b3c4d', email: 'claude-1a2b3c4d@agentsync.invalid', time: 1_700_000_000 };
      const commit = await writeObject(repo, 'commit', commitContent(tree, head, who, 'claim: x\n\nbody'), format);
      expect(git('log', '-1', '--format=%an <%ae> %at %P%n%B', commit)).toBe(`claude-1a2b3c4d <claude-1a2b3c4d@agentsync.invalid> 1700000000 ${head}\nclaim: x\n\nbody`);
      // The same commit made by git: same bytes, same id.
      const env = { ...process.env, GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_AUTHOR_DATE: '1700000000 +0000', GIT_COMMITTER_DATE: '1700000000 +0000' };
      expect(execFileSync('git', ['commit-tree', tree, '-p', head, '-m', 'claim: x\n\nbody'], { cwd: fixture.dir, env, encoding: 'utf8' }).trim()).toBe(commit);
      git('fsck', '--strict', '--no-dangling');
      // Written again, it is left as it is; no temporary file stays behind.
      expect(await writeObject(repo, 'blob', Buffer.from(text), format)).toBe(blob);
      expect(readdirSync(join(repo.commonDir, 'objects', blob.slice(0, 2))).filter((name) => name.startsWith('tmp_'))).toEqual([]);
    }
  });

  it('makes a missing object folder, and leaves shared repositories and an unknown format to git', async () => {
    const fixture = tempGitRepo('objects-git');
    const repo = await openRepo(fixture.dir);
    const idOf = (text: string) => execFileSync('git', ['hash-object', '--stdin'], { cwd: fixture.dir, input: text, encoding: 'utf8' }).trim();
    const id = idOf('z');
    const folder = join(repo.commonDir, 'objects', id.slice(0, 2));
    rmSync(folder, { recursive: true, force: true });
    expect(await writeObject(repo, 'blob', Buffer.from('z'), 'sha1')).toBe(id);
    expect(existsSync(join(folder, id.slice(2)))).toBe(true);
    expect(await writeObject(repo, 'blob', Buffer.from('y'), undefined)).toBe(idOf('y'));
    fixture.git('cat-file', '-e', idOf('y'));

    // A shared repository: git makes the folder, group-writable and setgid as core.sharedRepository says.
    const group = tempGitRepo('objects-shared', ['--shared=group']);
    const sharedRepo = await openRepo(group.dir);
    const sharedId = execFileSync('git', ['hash-object', '--stdin'], { cwd: group.dir, input: 'w', encoding: 'utf8' }).trim();
    expect(await writeObject(sharedRepo, 'blob', Buffer.from('w'), 'sha1')).toBe(sharedId);
    expect(statSync(join(sharedRepo.commonDir, 'objects', sharedId.slice(0, 2))).mode & 0o2070).toBe(0o2070);

    // Shared since init, by config alone: git still makes the folders, group-writable.
    const later = tempGitRepo('objects-shared-later');
    later.git('config', 'core.sharedRepository', 'group');
    const laterRepo = await openRepo(later.dir);
    const laterId = execFileSync('git', ['hash-object', '--stdin'], { cwd: later.dir, input: 'v', encoding: 'utf8' }).trim();
    rmSync(join(laterRepo.commonDir, 'objects', laterId.slice(0, 2)), { recursive: true, force: true });
    expect(await writeObject(laterRepo, 'blob', Buffer.from('v'), 'sha1')).toBe(laterId);
    expect(statSync(join(laterRepo.commonDir, 'objects', laterId.slice(0, 2))).mode & 0o070).toBe(0o070);
  });
});

describe('writeCommit', () => {
  it('leaves a commit to git when its date is set for git, or its author is a name git would clean', async () => {
    const fixture = tempGitRepo('objects-commit');
    fixture.git('commit', '-q', '--allow-empty', '-m', 'root');
    const repo = await openRepo(fixture.dir);
    const head = fixture.git('rev-parse', 'HEAD').trim();
    const tree = fixture.git('rev-parse', 'HEAD^{tree}').trim();
    process.env.GIT_COMMITTER_DATE = process.env.GIT_AUTHOR_DATE = '1600000000 +0000';
    try {
      const dated = await writeCommit(repo, tree, head, { name: 'codex', email: 'codex@agentsync.invalid' }, 'dated');
      expect(fixture.git('log', '-1', '--format=%ct %an', dated).trim()).toBe('1600000000 codex');
    } finally {
      delete process.env.GIT_COMMITTER_DATE;
      delete process.env.GIT_AUTHOR_DATE;
    }
    const cleaned = await writeCommit(repo, tree, head, { name: ' padded.', email: 'p@agentsync.invalid' }, 'cleaned');
    expect(fixture.git('log', '-1', '--format=%an', cleaned).trim()).toBe('padded');
  });
});

describe('plainSignature', () => {
  it('takes only names and emails git would store unchanged', () => {
    const who = (name: string) => ({ name, email: `${name}@agentsync.invalid`, time: 0 });
    expect(plainSignature(who('claude-1a2b3c4d'))).toBe(true);
    for (const name of ['', 'a<b', 'a>b', 'two\nlines', ' padded', 'dot.', '"quoted"']) expect(plainSignature(who(name)), name).toBe(false);
  });
});
