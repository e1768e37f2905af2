import { describe, expect, it } from 'vitest';
import picomatch = require('picomatch/posix');
import { UsageError } from '../../errors';
import { ClaimIndex, claimMatcher, claimPatterns, globProblem, globsOverlap, normalizeGlob } from './globs';

/** Deterministic PRNG (mulberry32) so generated cases are reproducible. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

function joined(rand: () => number, parts: readonly string[], max: number): string {
  const depth = 1 + Math.floor(rand() * max);
  return Array.from({ length: depth }, () => pick(rand, parts)).join('/');
}

describe('globProblem', () => {
  it('accepts paths that need not exist yet and globs that parse', () => {
    for (const glob of ['src/new-file-not-yet-there.ts', 'src/**', 'a}b', 'src/*.{ts,js}', 'x/\\[literal']) expect(globProblem(glob)).toBeUndefined();
  });

  it('names what is wrong, in words a config message can carry too', () => {
    expect(globProblem('src/[')).toBe('is not a valid glob: Missing closing: "]"');
    expect(globProblem('/etc/passwd')).toBe('is an absolute path');
    expect(globProblem('**/../x')).toBe('leaves the repository with ".."');
    expect(globProblem('a\0b')).toBe('holds a NUL character, which no path can');
    expect(globProblem('line\nbreak.md')).toBeUndefined();
  });
});

describe('normalizeGlob', () => {
  it.each([
    ['./src/api/', 'src/api'],
    ['src//api///**', 'src/api/**'],
    ['././docs/./guide.md', 'docs/guide.md'],
    ['**', '**'],
    ['src/*.{ts,js}', 'src/*.{ts,js}'],
    ['a b/"c".md', 'a b/"c".md'],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeGlob(input)).toBe(expected);
    expect(normalizeGlob(expected)).toBe(expected);
  });

  it.each([
    ['', /is empty/],
    ['./', /is empty/],
    ['.', /`\*\*`/],
    ['/etc/passwd', /absolute/],
    ['C:/work', /absolute/],
    ['../other', /leaves the repository/],
    ['src/../../x', /leaves the repository/],
    ['src/[z-a]', /matches no path/],
    ['src/a{b,c', /is not a valid glob: Missing closing: "}"/],
    ['src/[', /is not a valid glob: Missing closing: "]"/],
    ['src/(a|b', /is not a valid glob/],
  ])('rejects %j', (input, pattern) => {
    const error = (() => {
      try {
        normalizeGlob(input);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect(`${(error as UsageError).message} ${(error as UsageError).hint}`).toMatch(pattern);
    expect((error as UsageError).message).toContain(`"${input}"`);
  });
});

describe('claimPatterns and claimMatcher', () => {
  it('lets a plain path cover itself and everything under it', () => {
    expect(claimPatterns('src/api')).toEqual(['src/api', 'src/api/**']);
    const matches = claimMatcher('src/api');
    expect(['src/api', 'src/api/x.ts', 'src/api/a/.env'].map(matches)).toEqual([true, true, true]);
    expect(['src/apix', 'src', 'src/ap'].map(matches)).toEqual([false, false, false]);
  });

  it('keeps a glob as its only pattern', () => {
    expect(claimPatterns('src/**/*.ts')).toEqual(['src/**/*.ts']);
  });

  it('tells plain paths from globs as picomatch.scan does, also where it skips picomatch (generated names)', () => {
    const rand = random(11);
    // The syntax-free characters plus `*` and `?`, the case judged without picomatch, and all the rest.
    const simple = ['a', '.', '-', ' ', ',', '"', 'é', '*', '?'];
    const all = [...simple, '[', ']', '{', '}', '(', ')', '!', '+', '@', '|', '\\'];
    for (const alphabet of [simple, all]) {
      for (let i = 0; i < 3000; i++) {
        const name = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(rand, alphabet)).join('');
        const plain = !name.startsWith('!') && !picomatch.scan(name).isGlob;
        expect(claimPatterns(name).length === 2, name).toBe(plain);
      }
    }
  });

  it('matches dotfiles with ** and *', () => {
    expect(claimMatcher('**')('.github/workflows/ci.yml')).toBe(true);
    expect(claimMatcher('src/**')('src/.env')).toBe(true);
    expect(claimMatcher('*')('.gitignore')).toBe(true);
  });

  it('matches names containing newlines under **', () => {
    expect(claimMatcher('src/**')('src/a\nb/c\nd.ts')).toBe(true);
  });

  const oddNames = [
    'docs/with space.md',
    'docs/"quoted" name.md',
    "docs/it's.md",
    'docs/ünïcødé/日本語.md',
    '-leading-dash',
    'docs/new\nline.md',
    'docs/a|b.md',
    'docs/$HOME & `x`.md',
    'docs/(draft)',
  ];

  it.each(oddNames)('matches the odd name %j literally as a plain path', (name) => {
    const escaped = name.replace(/[()]/g, '\\$&');
    const matches = claimMatcher(escaped);
    expect(matches(name)).toBe(true);
    expect(matches(`${name}/inner file`)).toBe(true);
    expect(matches(`${name}x`)).toBe(false);
    const [self, below] = claimPatterns(escaped).map((pattern) => picomatch(pattern, { dot: true, flags: 's' }));
    expect(self(name)).toBe(true);
    expect(below(`${name}/inner file`)).toBe(true);
  });

  it('unescapes backslashes in a plain path', () => {
    expect(claimMatcher('src/a\\*b')('src/a*b')).toBe(true);
    expect(claimMatcher('src/a\\*b')('src/axb')).toBe(false);
  });
});

describe('globsOverlap', () => {
  it.each([
    ['src/api/**', 'src/api/users.ts', true],
    ['src/**/*.ts', 'src/api/x.ts', true],
    ['src/api/**', 'src/web/**', false],
    ['*.md', 'docs/**', false],
    ['src/api', 'src/api/x/y.ts', true],
    ['**', 'src/anything/at/all.txt', true],
    ['**', '.github', true],
    ['src/*.ts', 'src/*.js', false],
    ['src/a*', 'src/*b', true],
    ['{a,b}/**', 'b/x', true],
    ['{a,b}/**', 'c/x', false],
    ['src/[ab].ts', 'src/c.ts', false],
    ['src/[ab].ts', 'src/b.ts', true],
    ['src/[!a].ts', 'src/a.ts', false],
    ['src/[a-m].ts', 'src/[k-z].ts', true],
    ['src/[a-c].ts', 'src/[x-z].ts', false],
    ['src/?.ts', 'src/ab.ts', false],
    ['src/?.ts', 'src/a.ts', true],
    ['src/api', 'src', true],
    ['src/api', 'src/apix', false],
    ['src/api', 'src/*', true],
    ['src/*', 'src/a/b', false],
    ['src/**/test/*.ts', 'src/x/test/**', true],
    ['**/*.test.ts', 'src/**/*.js', false],
    ['a/**/b', 'a/b', true],
    ['docs/with space.md', 'docs/*.md', true],
    ['src/a\\*b', 'src/a?b', true],
    ['src/a\\*b', 'src/axb', false],
    ['x/{a,b{c,d}}', 'x/bd', true],
    ['x/{a,b{c,d}}', 'x/b', false],
  ])('%j vs %j → %s', (a, b, expected) => {
    expect(globsOverlap(a, b)).toBe(expected);
    expect(globsOverlap(b, a)).toBe(expected);
  });

  it.each([
    ['!src/a', 'src/a'],
    ['src/+(a|b)', 'docs/x'],
    ['src/@(x)', 'lib/y'],
    ['src/"q"*', 'lib/q'],
    ['src/{1..3}', 'lib/2'],
    ['src/**.ts', 'lib/x.js'],
  ])('treats %j conservatively as overlapping %j', (a, b) => {
    expect(globsOverlap(a, b)).toBe(true);
  });

  it('never misses an overlap picomatch can witness (generated globs and paths)', () => {
    const rand = random(7);
    const globParts = ['a', 'b', 'ab', '.a', 'x.ts', '*', 'a*', '*b', '*.ts', '?', '?b', '[ab]', '[!a]', '[a-c]*', '**', '{a,b}', '{a,*b}', 'a\\*'];
    const pathParts = ['a', 'b', 'ab', 'ba', 'bb', '.a', 'x.ts', 'a.ts', 'c', 'a*'];
    const globs = [...new Set(Array.from({ length: 160 }, () => joined(rand, globParts, 3)))];
    globs.push('a', 'a/b', 'ab/x.ts', '.a');
    const paths = [...new Set(Array.from({ length: 3000 }, () => joined(rand, pathParts, 4)))];
    const hits = globs.map((glob) => {
      const matches = claimMatcher(glob);
      return new Set(paths.filter(matches));
    });
    let witnessed = 0;
    for (let i = 0; i < globs.length; i++) {
      for (let j = i; j < globs.length; j++) {
        const witness = [...hits[i]].find((path) => hits[j].has(path));
        if (witness === undefined) continue;
        witnessed++;
        expect(globsOverlap(globs[i], globs[j]), `${globs[i]} vs ${globs[j]} share ${witness}`).toBe(true);
      }
    }
    expect(witnessed).toBeGreaterThan(1000);
  });
});

describe('ClaimIndex', () => {
  it('returns the value of every claim covering a path', () => {
    const index = new ClaimIndex([
      { glob: 'src/api', value: 'plain' },
      { glob: 'src/**/*.ts', value: 'ts' },
      { glob: '**', value: 'all' },
      { glob: '*.md', value: 'md' },
      { glob: '{src,lib}/x/**', value: 'brace' },
      { glob: '!src/api/**', value: 'negated' },
    ]);
    expect(index.match('src/api/users.ts').sort()).toEqual(['all', 'plain', 'ts']);
    expect(index.match('README.md').sort()).toEqual(['all', 'md', 'negated']);
    expect(index.match('lib/x/y').sort()).toEqual(['all', 'brace', 'negated']);
    expect(index.match('src/api').sort()).toEqual(['all', 'plain']);
  });

  it('matches odd names literally through plain claims', () => {
    const name = 'docs/"quoted" -x\nü.md';
    const index = new ClaimIndex([{ glob: name, value: 1 }]);
    expect(index.match(name)).toEqual([1]);
    expect(index.match('docs/quoted -x\nü.md')).toEqual([]);
  });

  it('agrees with a naive loop on a large generated set', () => {
    const rand = random(42);
    const dirs = ['src', 'lib', 'docs', 'test', 'packages', 'api', 'web', 'core', '.github', 'a b'];
    const files = ['index.ts', 'x.spec.ts', 'README.md', '.env', 'main.js', 'data.json'];
    const globTails = ['**', '*.ts', '**/*.ts', '*', '{a,b}/**', 'x.*', '[a-m]*', '**/README.md'];
    const entries = Array.from({ length: 1000 }, (_, value) => {
      const dir = joined(rand, dirs, 3);
      const r = rand();
      const glob = r < 0.4 ? dir : r < 0.9 ? `${dir}/${pick(rand, globTails)}` : `**/${pick(rand, files)}`;
      return { glob, value };
    });
    const paths = Array.from({ length: 10_000 }, () => `${joined(rand, dirs, 5)}/${pick(rand, files)}`);
    const index = new ClaimIndex(entries);
    const matchers = entries.map((entry) => claimMatcher(entry.glob));
    let total = 0;
    for (const path of paths) {
      const naive = entries.filter((_, i) => matchers[i](path)).map((entry) => entry.value);
      const indexed = index.match(path).sort((x, y) => x - y);
      expect(indexed).toEqual(naive);
      total += naive.length;
    }
    expect(total).toBeGreaterThan(10_000);
  });
});
