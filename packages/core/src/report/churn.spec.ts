import { describe, expect, it } from 'vitest';
import { LineAges, type FileChange } from './churn';
import { PatchParser, unquotePath, type PatchCommit } from './patch';

const DAY = 86_400_000;
const WINDOW = 21 * DAY;
const add = (path: string, n: number): FileChange => ({ path, hunks: [{ oldStart: 0, oldCount: 0, newCount: n }] });

describe('LineAges', () => {
  it('counts replaced lines younger than the window as reworked, older ones not', () => {
    const ages = new LineAges(WINDOW);
    expect(ages.apply(0, [add('f', 10)])).toEqual({ added: 10, reworked: 0 });
    // Lines 1-4 replaced by 2 lines a week later: 4 reworked.
    expect(ages.apply(7 * DAY, [{ path: 'f', hunks: [{ oldStart: 1, oldCount: 4, newCount: 2 }] }])).toEqual({ added: 2, reworked: 4 });
    // Now lines 3-8 are the day-0 lines 5-10; replacing them on day 30 is not rework.
    expect(ages.apply(30 * DAY, [{ path: 'f', hunks: [{ oldStart: 3, oldCount: 6, newCount: 1 }] }])).toEqual({ added: 1, reworked: 0 });
    // The day-7 lines (1-2) are 23 days old on day 30: outside the window too.
    expect(ages.apply(30 * DAY, [{ path: 'f', hunks: [{ oldStart: 1, oldCount: 2, newCount: 0 }] }])).toEqual({ added: 0, reworked: 0 });
  });

  it('applies several hunks of one file by their old line numbers', () => {
    const ages = new LineAges(WINDOW);
    ages.apply(0, [add('f', 5)]);
    ages.apply(10 * DAY, [{ path: 'f', hunks: [{ oldStart: 2, oldCount: 0, newCount: 3 }] }]); // after line 2: lines 3-5 new
    // Old lines 1 (day 0) and 4 (day 10) on day 25: 25 and 15 days old, so only line 4 is rework.
    expect(ages.apply(25 * DAY, [{ path: 'f', hunks: [{ oldStart: 1, oldCount: 1, newCount: 1 }, { oldStart: 4, oldCount: 1, newCount: 1 }] }])).toEqual({ added: 2, reworked: 1 });
  });

  it('follows renames and forgets deleted files, counting a young file deleted as reworked', () => {
    const ages = new LineAges(WINDOW);
    ages.apply(0, [add('old', 3)]);
    ages.apply(DAY, [{ path: 'new', from: 'old', hunks: [] }]);
    expect(ages.apply(2 * DAY, [{ path: 'new', hunks: [{ oldStart: 2, oldCount: 1, newCount: 1 }] }])).toEqual({ added: 1, reworked: 1 });
    expect(ages.apply(3 * DAY, [{ path: 'new', deleted: true, hunks: [{ oldStart: 1, oldCount: 3, newCount: 0 }] }])).toEqual({ added: 0, reworked: 3 });
    expect(ages.serialize()).toEqual({});
  });

  it('starts a new file empty even where a renamed file of that name left lines', () => {
    const ages = new LineAges(WINDOW);
    ages.apply(0, [add('a', 3)]);
    // One commit: a moves to b, and a new a is written (git lists the new a first).
    ages.apply(DAY, [{ path: 'a', created: true, hunks: [{ oldStart: 0, oldCount: 0, newCount: 1 }] }, { path: 'b', from: 'a', hunks: [] }]);
    expect(ages.serialize()).toEqual({ a: [DAY, 1], b: [0, 3] });
  });

  it('expands only the saved files a resumed walk touches, and keeps the others as saved', () => {
    const saved = { kept: [0, 5], touched: [0, 2] };
    const ages = new LineAges(WINDOW, saved);
    expect(ages.apply(DAY, [{ path: 'touched', hunks: [{ oldStart: 2, oldCount: 1, newCount: 2 }] }])).toEqual({ added: 2, reworked: 1 });
    expect(ages.serialize()).toEqual({ kept: [0, 5], touched: [0, 1, DAY, 2] });
  });

  it('resumes from its serialized form with the same answers', () => {
    const ages = new LineAges(WINDOW);
    ages.apply(0, [add('f', 4)]);
    ages.apply(5 * DAY, [{ path: 'f', hunks: [{ oldStart: 2, oldCount: 1, newCount: 1 }] }]);
    const saved = ages.serialize();
    expect(saved).toEqual({ f: [0, 1, 5 * DAY, 1, 0, 2] });
    const step: FileChange[] = [{ path: 'f', hunks: [{ oldStart: 1, oldCount: 4, newCount: 0 }] }];
    expect(new LineAges(WINDOW, saved).apply(22 * DAY, step)).toEqual(ages.apply(22 * DAY, step));
  });

  it('counts lines it never saw written (before the walk) as old', () => {
    const ages = new LineAges(WINDOW);
    expect(ages.apply(DAY, [{ path: 'f', hunks: [{ oldStart: 3, oldCount: 2, newCount: 1 }] }])).toEqual({ added: 1, reworked: 0 });
  });
});

describe('PatchParser', () => {
  const parse = (text: string) => {
    const commits: PatchCommit[] = [];
    const parser = new PatchParser((c) => commits.push(c));
    for (const line of text.split('\n')) parser.line(line);
    parser.end();
    return commits;
  };

  it('reads commits, files, hunks, renames and deletions, skipping hunk bodies by count', () => {
    const commits = parse(
      [
        '\0aaa 100',
        '',
        'diff --git a/x.ts b/x.ts',
        'index 1..2 100644',
        '--- a/x.ts',
        '+++ b/x.ts',
        '@@ -3,2 +3 @@ function f() {',
        '-diff --git a/fake b/fake',
        '-@@ -1 +1 @@',
        '+--- a/looks-like-a-header',
        '\\ No newline at end of file',
        '@@ -10,0 +11,2 @@',
        '+one',
        '+two',
        'diff --git a/old name b/new name',
        'similarity index 100%',
        'rename from old name',
        'rename to new name',
        'diff --git "a/t\\303\\251st\\tx" "b/t\\303\\251st\\tx"',
        'deleted file mode 100644',
        '--- "a/t\\303\\251st\\tx"',
        '+++ /dev/null',
        '@@ -1 +0,0 @@',
        '-gone',
        'diff --git a/img.png b/img.png',
        'Binary files a/img.png and b/img.png differ',
        '\0bbb 200',
      ].join('\n'),
    );
    expect(commits).toEqual([
      {
        sha: 'aaa',
        time: 100_000,
        changes: [
          { path: 'x.ts', hunks: [{ oldStart: 3, oldCount: 2, newCount: 1 }, { oldStart: 10, oldCount: 0, newCount: 2 }] },
          { path: 'new name', from: 'old name', hunks: [] },
          { path: 'tést\tx', deleted: true, hunks: [{ oldStart: 1, oldCount: 1, newCount: 0 }] },
        ],
      },
      { sha: 'bbb', time: 200_000, changes: [] },
    ]);
  });

  it('unquotes C-quoted paths as git writes them', () => {
    expect(unquotePath('plain')).toBe('plain');
    expect(unquotePath('"a\\"b\\\\c\\n\\303\\274"')).toBe('a"b\\c\nü');
  });
});
