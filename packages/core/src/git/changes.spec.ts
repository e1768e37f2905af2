import { describe, expect, it } from 'vitest';
import { tempGitRepo } from './git.fixtures';
import { commitsPaths, parseNameStatus, parseRawNumstat, stagedChange } from './changes';
import { openRepo, type Repo } from './git';


async function tempRepo(): Promise<{ repo: Repo; git: (...args: string[]) => string; write: (path: string, text: string) => void }> {
  const { dir, git, write } = tempGitRepo('changes');
  return { repo: await openRepo(dir), git, write };
}

describe('parsers', () => {
  it('parseNameStatus takes two paths for renames and copies, one for combined merge statuses, any bytes in names', () => {
    const out = ['R100', 'old\tname', 'new\nname', 'C075', 'a', 'b', 'MM', 'merged', 'D', ':not-a-record', 'A', '--', ''].join('\0');
    expect(parseNameStatus(out)).toEqual([
      { status: 'R', paths: ['old\tname', 'new\nname'] },
      { status: 'C', paths: ['a', 'b'] },
      { status: 'M', paths: ['merged'] },
      { status: 'D', paths: [':not-a-record'] },
      { status: 'A', paths: ['--'] },
    ]);
  });

  it('parseRawNumstat reads raw records, then line counts; a rename counts for both sides, a binary file as one', () => {
    const out = [
      ':100644 100644 aaa bbb M', 'src/a\tb.ts',
      ':100644 100644 aaa bbb R087', 'old.ts', ':x',
      ':000000 100644 000 ccc A', 'img.png',
      '3\t4\tsrc/a\tb.ts',
      '1\t1\t', 'old.ts', ':x',
      '-\t-\timg.png', '',
    ].join('\0');
    expect(parseRawNumstat(out)).toEqual({
      changes: [
        { status: 'M', paths: ['src/a\tb.ts'] },
        { status: 'R', paths: ['old.ts', ':x'] },
        { status: 'A', paths: ['img.png'] },
      ],
      lines: new Map([['src/a\tb.ts', 7], ['old.ts', 2], [':x', 2], ['img.png', 1]]),
    });
  });
});

describe('stagedChange', () => {
  it('reads renames with both paths, deletions, odd names and line counts from the index', async () => {
    const { repo, git, write } = await tempRepo();
    write('claimed/old.ts', 'x\n'.repeat(20));
    write('claimed/gone.ts', 'gone\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'init');
    write('free/.keep', '');
    git('mv', 'claimed/old.ts', 'free/new.ts');
    git('rm', '-q', 'claimed/gone.ts');
    const odd = ['-n', '--', 'new\nline', 'tab\there', 'ünï "q"'];
    for (const name of odd) write(name, 'a\nb\n');
    git('add', '--', ...odd);

    const { changes, lines } = await stagedChange(repo, { lines: true });
    expect(changes).toEqual(
      expect.arrayContaining([
        { status: 'R', paths: ['claimed/old.ts', 'free/new.ts'] },
        { status: 'D', paths: ['claimed/gone.ts'] },
        ...odd.map((name) => ({ status: 'A', paths: [name] })),
      ]),
    );
    expect(changes).toHaveLength(odd.length + 2);
    expect(lines?.get('tab\there')).toBe(2);
    expect(lines?.get('claimed/gone.ts')).toBe(1);
    expect((await stagedChange(repo)).lines).toBeUndefined();
  });

  it('works before the first commit', async () => {
    const { repo, git, write } = await tempRepo();
    write('a.txt', 'a\n');
    git('add', 'a.txt');
    expect((await stagedChange(repo)).changes).toEqual([{ status: 'A', paths: ['a.txt'] }]);
  });

  it('while a merge is concluded, counts only what differs from every parent', async () => {
    const { repo, git, write } = await tempRepo();
    write('shared.txt', 'base\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'side');
    write('theirs.txt', 'theirs\n');
    write('shared.txt', 'side\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'side');
    git('checkout', '-q', 'main');
    write('shared.txt', 'main\n');
    git('commit', '-q', '-am', 'main');
    expect(() => git('merge', '-q', 'side')).toThrow();
    write('shared.txt', 'resolved\n');
    git('add', 'shared.txt');
    expect((await stagedChange(repo)).changes).toEqual([{ status: 'M', paths: ['shared.txt'] }]);
  });
});

describe('commitsPaths', () => {
  it('reads many commits in one call: root commits whole, merges only where they differ from every parent', async () => {
    const { repo, git, write } = await tempRepo();
    write('a b.txt', 'a\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'root');
    const root = git('rev-parse', 'HEAD').trim();
    git('checkout', '-q', '-b', 'side');
    write('side.txt', 's\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'side');
    git('checkout', '-q', 'main');
    git('mv', 'a b.txt', 'moved\n.txt');
    git('commit', '-q', '-m', 'move');
    const moved = git('rev-parse', 'HEAD').trim();
    git('merge', '-q', '--no-edit', 'side');
    const clean = git('rev-parse', 'HEAD').trim();
    write('evil.txt', 'e\n');
    git('add', 'evil.txt');
    git('commit', '-q', '--amend', '--no-edit');
    const evil = git('rev-parse', 'HEAD').trim();

    const paths = await commitsPaths(repo, [root, moved, clean, evil]);
    expect(paths.get(root)).toEqual([{ status: 'A', paths: ['a b.txt'] }]);
    expect(paths.get(moved)).toEqual([{ status: 'R', paths: ['a b.txt', 'moved\n.txt'] }]);
    expect(paths.get(clean)).toEqual([]);
    expect(paths.get(evil)).toEqual([{ status: 'A', paths: ['evil.txt'] }]);
  });
});
