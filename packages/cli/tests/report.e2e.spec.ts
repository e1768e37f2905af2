/**
 * `agentsync report` as a user runs it: the output formats on a small made
 * history, and a clear exit 2 for bad input. The numbers themselves are
 * tested in @agentsync/core (report/collect.spec.ts).
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, makeTemp, type TestRepo } from './fixture';
import { json, run } from './e2e';

let repo: TestRepo;

beforeAll(async () => {
  // main and a branch both change line 1 of the hot file: one conflicted merge.
  repo = await makeRepo({ config: { hotFiles: ['package.json'] } });
  repo.write('package.json', '{\n  "name": "x"\n}\n');
  await repo.git(['add', '-A']);
  await repo.git(['commit', '-q', '--no-verify', '-m', 'package']);
  await repo.git(['checkout', '-q', '-b', 'feature']);
  repo.write('package.json', '{\n  "name": "feature"\n}\n');
  await repo.git(['commit', '-q', '--no-verify', '-am', 'feature']);
  await repo.git(['checkout', '-q', 'main']);
  repo.write('package.json', '{\n  "name": "main"\n}\n');
  await repo.git(['commit', '-q', '--no-verify', '-am', 'main']);
  await repo.git(['merge', '-q', '-s', 'ours', '--no-verify', '-m', 'Merge feature', 'feature']);
  await repo.git(['tag', 'v1.0.0']);
});

describe('agentsync report', () => {
  it('--json has the contract keys, and a short run prints no progress', async () => {
    const result = await run(repo.dir, ['report', '--json']);
    expect(result.stderr).toBe('');
    const report = json(result);
    expect(report.merges).toMatchObject({ total: 1, conflicted: 1, hotFileConflicts: 1 });
    expect(report.deploys.count).toBe(1);
    expect(report.reverts.count).toBe(0);
  });

  it('prints a table by default and Markdown with --markdown', async () => {
    const table = await run(repo.dir, ['report']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^hot-file conflicts +1$/m);
    const markdown = await run(repo.dir, ['report', '--markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('## AgentSync report: main');
    expect(markdown.stdout).toContain('| hot-file conflicts | 1 |');
  });

  it('--html writes one self-contained page', async () => {
    const file = join(makeTemp('html'), 'report.html');
    const result = await run(repo.dir, ['report', '--html', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Report written to ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/(src|href)=|url\(/);
  });

  it('keeps to --since and --until', async () => {
    const report = json(await run(repo.dir, ['report', '--json', '--until', '2000-01-01']));
    expect(report.merges.total).toBe(0);
    expect(report.commits).toBe(0);
  });

  it.each([
    [['--since', 'garbage'], '--since "garbage" is not a date.'],
    [['--bogus'], 'report: unknown option --bogus.'],
    [['--json', '--markdown'], '--json and --markdown cannot be combined'],
    [['--branch', 'nope'], '--branch "nope" names no commit'],
    [['--since', '2026-02-01', '--until', '2026-01-01'], 'is not before --until'],
    [['--since', '99999999999d'], '--since "99999999999d" is not a date after 1970.'],
    [['--since', '2026-02-30'], '--since "2026-02-30" is not a date.'],
    [['--tags', ''], '--tags "" is empty.'],
    [['origin/main'], 'report takes no arguments, got "origin/main"'],
  ])('exits 2 on %j', async (args, message) => {
    const result = await run(repo.dir, ['report', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('How to fix:');
  });

  it('exits 2 outside a git repository and for an --html file it cannot write', async () => {
    const outside = await run(makeTemp('plain'), ['report']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('Not a git repository');
    const locked = join(makeTemp('locked'), 'ro');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const unwritable = await run(repo.dir, ['report', '--html', join(locked, 'r.html')]);
    // Root writes anywhere: then only the missing directory case can be checked.
    const missing = await run(repo.dir, ['report', '--html', join(locked, 'missing', 'r.html')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot be written');
    if (process.getuid?.() !== 0) expect(unwritable.code).toBe(2);
    const directory = await run(repo.dir, ['report', '--html', makeTemp('dir')]);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain('is a directory');
  });
});
