import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIN_COMMITS, recentChanges, suggestHotFiles } from './hot-files';

const always = () => true;
/** `n` commits touching `paths`. */
const commits = (n: number, ...paths: string[]) => Array.from({ length: n }, () => paths);

describe('suggestHotFiles', () => {
  it('suggests nothing for a young history', () => {
    expect(suggestHotFiles(commits(MIN_COMMITS - 1, 'src/app.ts'), always)).toEqual([]);
  });

  it('takes the five paths changed most, in at least a tenth and five of the commits, as size limits', () => {
    const history = [
      ...commits(30, 'a.ts', 'b.ts'),
      ...commits(20, 'c.ts', 'package-lock.json', 'AgentTracker.md'),
      ...commits(12, 'd.ts', 'gone.ts'),
      ...commits(10, 'e.ts', 'f.ts'),
      ...commits(9, 'rare.ts'),
      ...commits(19),
    ];
    expect(suggestHotFiles(history, (path) => path !== 'gone.ts')).toEqual(
      ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'].map((path) => ({ path, maxChangedLines: 200 })),
    );
  });

  it('counts a path once per commit and escapes glob syntax in names', () => {
    const history = [...commits(5, 'app/[id].tsx', 'app/[id].tsx'), ...commits(15)];
    expect(suggestHotFiles(history, always)).toEqual([{ path: 'app/\\[id\\].tsx', maxChangedLines: 200 }]);
  });
});

describe('recentChanges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentsync-nx-history-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: dir, stdio: 'pipe' });

  it('is empty outside a git repository and before the first commit', () => {
    expect(recentChanges(dir)).toEqual([]);
    git('init', '-q');
    expect(recentChanges(dir)).toEqual([]);
  });

  it('lists the paths of each commit, newest first, whatever their names', () => {
    const odd = 'we ird\nname "q".ts';
    writeFileSync(join(dir, 'a.ts'), '1');
    writeFileSync(join(dir, odd), '1');
    git('add', '-A');
    git('commit', '-qm', 'one');
    writeFileSync(join(dir, 'a.ts'), '2');
    git('commit', '-qam', 'two');
    expect(recentChanges(dir)).toEqual([['a.ts'], ['a.ts', odd].sort()]);
  });
});
