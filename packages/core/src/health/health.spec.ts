import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema';
import { UsageError } from '../errors';
import type { Repo } from '../git/git';
import {
  compareWithBaseline,
  healthChecks,
  healthConfigHash,
  readCachedResults,
  runHealth,
  toRecord,
  writeCachedResult,
  type CheckResult,
  type HealthCheck,
  type HealthResult,
} from '.';
import type { HealthRecord } from '../domain/state';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const tempDir = () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-health-spec-')));
  dirs.push(dir);
  return dir;
};

const gitIn = (cwd: string, args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();

/** A repository with one commit of `files`. */
function makeRepo(files: Record<string, string> = { 'README.md': '# r\n' }): Repo {
  const root = tempDir();
  gitIn(root, ['init', '-q', '-b', 'main']);
  commit(root, files);
  return { root, gitDir: join(root, '.git'), commonDir: join(root, '.git') };
}

function commit(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) writeFileSync(join(root, path), content);
  gitIn(root, ['add', '-A']);
  gitIn(root, ['commit', '-q', '--allow-empty', '-m', 'c']);
  return gitIn(root, ['rev-parse', 'HEAD']);
}

const config = (health: object) => configSchema.parse({ health });

const result = (checks: Array<[string, CheckResult['status']]>): HealthResult => ({
  tree: 'a'.repeat(40),
  checks: checks.map(([name, status]) => ({ name, status, durationMs: 1, outputTail: '' })),
  green: checks.every(([, status]) => status === 'pass'),
});

const baseline = (failing: string[]): HealthRecord => ({ tree: 'b'.repeat(40), status: failing.length ? 'red' : 'green', failing, at: '2026-01-01T00:00:00.000Z' });

describe('compareWithBaseline', () => {
  const now = result([
    ['build', 'pass'],
    ['unit', 'fail'],
    ['lint', 'timeout'],
    ['e2e', 'pass'],
  ]);

  it('green then red is a regression, red in both still red, red then green fixed', () => {
    expect(compareWithBaseline(now, baseline(['lint', 'e2e']), 'regressions')).toEqual({
      regressions: ['unit'],
      stillRed: ['lint'],
      fixed: ['e2e'],
      blocked: true,
    });
  });

  it('"regressions" lets still red through; "any-failure" blocks it', () => {
    const stillRedOnly = result([
      ['build', 'pass'],
      ['unit', 'fail'],
    ]);
    expect(compareWithBaseline(stillRedOnly, baseline(['unit']), 'regressions')).toEqual({ regressions: [], stillRed: ['unit'], fixed: [], blocked: false });
    expect(compareWithBaseline(stillRedOnly, baseline(['unit']), 'any-failure')).toEqual({ regressions: [], stillRed: ['unit'], fixed: [], blocked: true });
  });

  it('a green result blocks nothing under either policy', () => {
    const green = result([['unit', 'pass']]);
    for (const policy of ['regressions', 'any-failure'] as const) {
      expect(compareWithBaseline(green, baseline(['unit']), policy)).toEqual({ regressions: [], stillRed: [], fixed: ['unit'], blocked: false });
    }
  });

  it('without a baseline every failure is a regression; a check new since the baseline counts as green there', () => {
    expect(compareWithBaseline(now, undefined, 'regressions')).toEqual({ regressions: ['unit', 'lint'], stillRed: [], fixed: [], blocked: true });
    expect(compareWithBaseline(now, baseline([]), 'regressions').regressions).toEqual(['unit', 'lint']);
    // A check gone from the config is neither fixed nor still red.
    expect(compareWithBaseline(now, baseline(['removed']), 'regressions').fixed).toEqual([]);
  });
});

describe('toRecord', () => {
  it('keeps the tree, the verdict and the failing checks, timeouts included', () => {
    const at = new Date('2026-02-03T04:05:06.000Z');
    expect(toRecord(result([['build', 'pass'], ['unit', 'fail'], ['lint', 'timeout']]), at)).toEqual({
      tree: 'a'.repeat(40),
      status: 'red',
      failing: ['unit', 'lint'],
      at: '2026-02-03T04:05:06.000Z',
    });
    expect(toRecord({ ...result([['build', 'pass']]), tree: undefined }, at)).toEqual({ tree: '(uncommitted changes)', status: 'green', failing: [], at: at.toISOString() });
  });
});

describe('healthChecks', () => {
  it('commands keep their name and command, with the default timeout or their own', () => {
    const checks = healthChecks(config({ commands: [{ name: 'unit', run: 'npm test' }, { name: 'lint', run: 'npm run lint', timeout: '90s' }] }), tempDir());
    expect(checks).toEqual([
      { name: 'unit', run: 'npm test', timeoutMs: 15 * 60_000 },
      { name: 'lint', run: 'npm run lint', timeoutMs: 90_000 },
    ]);
  });

  it('targets become nx checks: run-many, or affected since a (quoted) base that run-many covers', () => {
    const root = tempDir();
    writeFileSync(join(root, 'nx.json'), '{}\n');
    const health = config({ commands: [{ name: 'unit', run: 'npm test' }], targets: ['build', "it's"] });
    expect(healthChecks(health, root).slice(1)).toEqual([
      { name: 'nx:build', run: "npx --no-install nx run-many -t 'build' --outputStyle=static", timeoutMs: 15 * 60_000 },
      { name: "nx:it's", run: "npx --no-install nx run-many -t 'it'\\''s' --outputStyle=static", timeoutMs: 15 * 60_000 },
    ]);
    expect(healthChecks(health, root, 'origin/main;rm -rf /')[1]).toEqual({
      name: 'nx:build',
      run: "npx --no-install nx affected --base='origin/main;rm -rf /' -t 'build' --outputStyle=static",
      timeoutMs: 15 * 60_000,
      coveredBy: "npx --no-install nx run-many -t 'build' --outputStyle=static",
    });
  });

  it('targets without nx.json are a usage error naming the key and the way out', () => {
    const root = tempDir();
    expect(healthChecks(config({ commands: [{ name: 'unit', run: 'npm test' }] }), root)).toHaveLength(1);
    let error: unknown;
    try {
      healthChecks(config({ targets: ['build'] }), root);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({
      message: 'health.targets lists Nx targets, but this repository has no nx.json.',
      where: '.agentsync.json: health.targets',
      hint: expect.stringContaining('health.commands'),
    });
  });
});

describe('healthConfigHash', () => {
  it('is stable: the same for the same name and command, whatever the timeout', () => {
    // Pinned: a change here silently throws away every cached result.
    expect(healthConfigHash({ name: 'unit', run: 'npm test' })).toBe('ef575417a510');
    const check: HealthCheck = { name: 'unit', run: 'npm test', timeoutMs: 1000 };
    const slower: HealthCheck = { ...check, timeoutMs: 5 };
    expect(healthConfigHash(slower)).toBe(healthConfigHash(check));
    expect(healthConfigHash({ ...check, run: 'npm test -- --ci' })).not.toBe(healthConfigHash(check));
    expect(healthConfigHash({ ...check, name: 'test' })).not.toBe(healthConfigHash(check));
    // The parts cannot run into each other.
    expect(healthConfigHash({ name: 'a b', run: 'c' })).not.toBe(healthConfigHash({ name: 'a', run: 'b c' }));
  });
});

describe('the cache', () => {
  const unit: HealthCheck = { name: 'unit', run: 'npm test', timeoutMs: 1000 };
  const lint: HealthCheck = { name: 'lint ✓', run: 'npm run lint', timeoutMs: 1000 };
  const pass = (name: string, outputTail: string): CheckResult => ({ name, status: 'pass', durationMs: 42, outputTail });

  it('reads back what was written, per tree and check; non-ASCII output and a damaged entry do not derail the rest', async () => {
    const repo = makeRepo();
    const tree = gitIn(repo.root, ['rev-parse', 'HEAD^{tree}']);
    const other = commit(repo.root, { 'b.txt': 'b\n' });
    expect(await readCachedResults(repo, tree, [unit, lint])).toEqual(new Map());

    await writeCachedResult(repo, tree, lint, pass('lint ✓', 'ünïcödé ✓ 🚀\nok\n'));
    await writeCachedResult(repo, tree, unit, pass('unit', '4 tests passed\n'));
    const read = await readCachedResults(repo, tree, [lint, unit]);
    expect([...read.entries()]).toEqual([
      ['lint ✓', { ...pass('lint ✓', 'ünïcödé ✓ 🚀\nok\n'), cached: true }],
      ['unit', { ...pass('unit', '4 tests passed\n'), cached: true }],
    ]);
    expect(await readCachedResults(repo, gitIn(repo.root, ['rev-parse', `${other}^{tree}`]), [unit])).toEqual(new Map());
    expect(await readCachedResults(repo, tree, [{ ...unit, run: 'npm test -- --ci' }])).toEqual(new Map());

    // A damaged blob and a cached failure (as older versions wrote) are misses; the entries after them still read.
    const refs = gitIn(repo.root, ['for-each-ref', '--format=%(refname)', 'refs/agentsync/health/']).split('\n');
    const lintRef = refs.find((ref) => ref.endsWith(Buffer.from('lint ✓').toString('hex')))!;
    const damaged = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.root, input: '{"name":"lint ✓", trunc' }).toString().trim();
    gitIn(repo.root, ['update-ref', lintRef, damaged]);
    expect([...(await readCachedResults(repo, tree, [lint, unit])).keys()]).toEqual(['unit']);
    await writeCachedResult(repo, tree, unit, { ...pass('unit', 'x'), status: 'fail' });
    expect(await readCachedResults(repo, tree, [unit])).toEqual(new Map());
  });

  it('an nx affected check is covered by a cached run-many pass of its target', async () => {
    const repo = makeRepo();
    const tree = gitIn(repo.root, ['rev-parse', 'HEAD^{tree}']);
    const runMany = { name: 'nx:build', run: 'nx run-many -t build', timeoutMs: 1000 };
    await writeCachedResult(repo, tree, runMany, pass('nx:build', 'built\n'));
    const affected = { ...runMany, run: 'nx affected --base=x -t build', coveredBy: runMany.run };
    expect((await readCachedResults(repo, tree, [affected])).get('nx:build')).toMatchObject({ status: 'pass', cached: true });
  });

  it('runHealth caches passes only, keyed by the tree less AgentTracker.md, in place or for a commit alike', async () => {
    const repo = makeRepo({ 'README.md': '# r\n', 'AgentTracker.md': '# Tracker\n' });
    const counter = join(tempDir(), 'runs');
    const health = config({
      commands: [
        { name: 'unit', run: `echo run >> '${counter}'` },
        { name: 'flaky', run: `echo run >> '${counter}'; exit 1` },
      ],
    });
    const runs = () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length;

    const planned: string[] = [];
    const first = await runHealth(repo, health, { onPlan: (checks) => planned.push(...checks.map((c) => c.name)) });
    expect(planned).toEqual(['unit', 'flaky']);
    expect(first).toMatchObject({ green: false, checks: [{ name: 'unit', status: 'pass' }, { name: 'flaky', status: 'fail' }] });
    expect(runs()).toBe(2);
    // The tracker edited in the working tree, then committed: the same key, so only the failure runs again.
    writeFileSync(join(repo.root, 'AgentTracker.md'), '# Tracker\n\nmore\n');
    const second = await runHealth(repo, health);
    expect(second.tree).toBe(first.tree);
    expect(second.checks.map((c) => c.cached)).toEqual([true, undefined]);
    const tip = commit(repo.root, {});
    expect((await runHealth(repo, health, { commit: tip })).tree).toBe(first.tree);
    expect(runs()).toBe(4);

    // Any other change makes the working tree dirty: run, and cache nothing.
    writeFileSync(join(repo.root, 'new.txt'), 'x\n');
    expect((await runHealth(repo, health)).tree).toBeUndefined();
    expect(runs()).toBe(6);
    expect(gitIn(repo.root, ['for-each-ref', '--format=%(refname)', 'refs/agentsync/health/']).split('\n')).toHaveLength(1);
  });
});
