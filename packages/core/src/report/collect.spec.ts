/**
 * The report on a made history whose answers are known: merges with and
 * without conflicts on hot and other files, release tags, a revert, churn
 * inside and outside the 21-day window, .agentsync.json added midway, and
 * store, audit and tracker records. Dates come from GIT_*_DATE.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema';
import type { Repo } from '../git/git';
import { appendAudit, updateState } from '../store/store';
import { addEntry } from '../domain/tracker/model';
import { parseTracker } from '../domain/tracker/parse';
import { renderTracker } from '../domain/tracker/render';
import { createTrackerText } from '../domain/tracker/template';
import { REPORT_CACHE_FILE } from './cache';
import { runReport, type Report } from './index';

const DAY = 86_400_000;
/** Monday 2026-01-05, noon UTC: day 0 of the made history. */
const T0 = Date.UTC(2026, 0, 5, 12);
const at = (day: number, hour = 0) => new Date(T0 + day * DAY + hour * 3_600_000);

let root: string;
let repo: Repo;

function gitAt(day: number, args: string[], input?: string): string {
  const date = at(day).toISOString();
  return execFileSync('git', args, {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: root, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@t', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  }).trim();
}

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
function write(path: string, content: string[]): void {
  writeFileSync(join(root, path), `${content.join('\n')}\n`);
}
/** Replaces line `n` (1-based) of `path`. */
function edit(path: string, n: number, text: string): void {
  const content = readFileSync(join(root, path), 'utf8').split('\n');
  content[n - 1] = text;
  writeFileSync(join(root, path), content.join('\n'));
}
function commit(day: number, message: string): void {
  gitAt(day, ['add', '-A']);
  gitAt(day, ['commit', '-q', '-m', message]);
}
/** Merges `branch` into main at `day`, taking main's side of any conflict. */
function merge(day: number, branch: string): void {
  try {
    gitAt(day, ['merge', '-q', '--no-ff', '-m', `Merge ${branch}`, branch]);
  } catch {
    gitAt(day, ['checkout', '--ours', '--', '.']);
    commit(day, `Merge ${branch}`);
  }
}
function branchEdit(day: number, branch: string, change: () => void): void {
  gitAt(day, ['checkout', '-q', '-b', branch]);
  change();
  commit(day, `${branch} work`);
  gitAt(day, ['checkout', '-q', 'main']);
}

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-report-')));
  repo = { root, gitDir: join(root, '.git'), commonDir: join(root, '.git') };
  gitAt(0, ['init', '-q', '-b', 'main']);
  write('package.json', lines('pkg', 5));
  write('a.ts', lines('a', 5));
  commit(0, 'Root');
  // Week 2: a hot-file conflict, an other-file conflict, a clean merge, tag v1.0.
  branchEdit(0, 'feat1', () => edit('package.json', 2, 'pkg feat1'));
  branchEdit(0, 'feat2', () => edit('a.ts', 1, 'a feat2'));
  branchEdit(0, 'feat3', () => write('docs.md', ['docs']));
  edit('package.json', 2, 'pkg main');
  edit('a.ts', 1, 'a main');
  commit(1, 'Main edits');
  merge(2, 'feat1');
  merge(3, 'feat2');
  merge(4, 'feat3');
  gitAt(4, ['tag', 'v1.0']);
  gitAt(4, ['tag', 'release-1']);
  // Week 3: a commit and its revert.
  write('notes.txt', ['note']);
  commit(8, 'Add notes');
  gitAt(9, ['revert', '--no-edit', 'HEAD']);
  // Weeks 4 and 5: ten lines, four of them rewritten a week later.
  write('b.ts', lines('b', 10));
  commit(14, 'Add b');
  for (let n = 1; n <= 4; n++) edit('b.ts', n, `b again ${n}`);
  commit(21, 'Rework b');
  // Week 6: adoption; week 7: a hot-file conflict after it.
  write('.agentsync.json', ['{ "hotFiles": ["package.json"] }']);
  commit(28, 'Adopt AgentSync');
  branchEdit(28, 'feat4', () => edit('package.json', 3, 'pkg feat4'));
  edit('package.json', 3, 'pkg main again');
  commit(33, 'Main edits again');
  merge(35, 'feat4');
  // Week 9: three lines written 35 days before: not rework.
  for (let n = 5; n <= 7; n++) edit('b.ts', n, `b late ${n}`);
  commit(49, 'Late change to b\n\nAgent: codex');
  gitAt(50, ['tag', '-a', '-m', 'Release 1.1', 'v1.1']); // annotated: the deploy is the tag's date, its commit peeled

  // AgentSync's records: a red baseline on main restored 90 minutes later, a claim, a skip, a handoff.
  const session = (id: string, agent: string, status: 'green' | 'red', hour: number) => ({
    id, agent, goal: 'g', tier: 1, branch: 'main', worktree: root, startedAt: at(30, hour).toISOString(), expiresAt: '2999-01-01T00:00:00.000Z',
    baseline: { tree: 'x', status, failing: status === 'red' ? ['test'] : [], at: at(30, hour).toISOString() },
  });
  await updateState(repo, { actor: 'claude' }, (state) => ({ state: { ...state, sessions: [session('s-1', 'claude', 'red', 1)] }, result: undefined, message: 'start: claude starts s-1 (tier 1): g\n\nclaims src/**, docs/**' }));
  await updateState(repo, { actor: 'codex' }, (state) => ({ state: { ...state, sessions: [...state.sessions, session('s-2', 'codex', 'green', 2.5)] }, result: undefined, message: 'start: codex starts s-2 (tier 1): g' }));
  await updateState(repo, { actor: 'codex' }, (state) => ({ state, result: undefined, message: 'claim: codex claims lib/** (exclusive, session s-2)' }));
  await updateState(repo, { actor: 'claude' }, (state) => ({ state, result: undefined, message: 'end: claude ends s-1: done' }));
  await appendAudit(repo, 'codex', 'skip pre-commit by codex: urgent');
  const doc = parseTracker(createTrackerText());
  addEntry(doc, { kind: 'handoff', id: 'h-1', at: at(31).toISOString(), updatedAt: at(31).toISOString(), agent: 'claude', session: 's-1', tier: 1, summary: 's', done: [], next: [], blockers: [], failed: [], tokens: 3000, health: 'green (1 checks)' });
  writeFileSync(join(root, 'AgentTracker.md'), renderTracker(doc));
  commit(57, 'Handoff');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

// sessions.required: verify fails codex's commit, which has an Agent: trailer and no Agent-Session:.
const config = configSchema.parse({ hotFiles: ['package.json'], sessions: { required: true } });
const report = (request: { since?: number; until?: number } = {}): Promise<Report> => runReport(repo, config, { now: at(60), ...request });

describe('runReport on a made history', () => {
  it('replays every merge: conflicts split into hot files and others', async () => {
    const r = await report();
    expect(r.merges).toMatchObject({ total: 4, conflicted: 3, hotFileConflicts: 2, otherFileConflicts: 1, mergesWithHotFileConflicts: 2, unreplayed: 0, octopus: 0 });
    expect(r.conflictedFiles).toEqual([
      { path: 'package.json', conflicts: 2, hot: true },
      { path: 'a.ts', conflicts: 1, hot: false },
    ]);
  });

  it('counts release tags matching the pattern as deploys, and reverts', async () => {
    const r = await report();
    expect(r.deploys).toMatchObject({ count: 2, source: 'tags' });
    expect(r.reverts.count).toBe(1);
    expect(r.rework.deploysWithRevert).toBe(1);
  });

  it('counts lines rewritten within 21 days as churn, and not older ones', async () => {
    const r = await report();
    const week = (start: string) => r.weeks.find((w) => w.start === start);
    expect(week('2026-01-26')).toMatchObject({ linesAdded: 4, linesReworked: 4 });
    expect(week('2026-02-23')).toMatchObject({ linesAdded: 3, linesReworked: 0 });
    // The revert removes the line its commit wrote the day before.
    expect(week('2026-01-12')).toMatchObject({ reverts: 1, linesReworked: 1 });
  });

  it('splits at the commit that added .agentsync.json', async () => {
    const r = await report();
    expect(r.adoption?.at).toBe(at(28).toISOString());
    expect(r.periods?.before).toMatchObject({ merges: { total: 3, conflicted: 2, hotFileConflicts: 1 }, deploys: { count: 1 }, reverts: { count: 1 } });
    expect(r.periods?.after).toMatchObject({ merges: { total: 1, conflicted: 1, hotFileConflicts: 1 }, deploys: { count: 1 }, reverts: { count: 0 } });
  });

  it('reads build success and time to restore from the recorded baselines and handoffs', async () => {
    const r = await report();
    expect(r.health).toMatchObject({ results: 3, green: 2, red: 1, scope: 'default-branch', incidents: 1, openIncidents: 0 });
    expect(r.health.mttrMinutes).toEqual({ mean: 90, median: 90 });
  });

  it('tells sessions, handoffs, claims, skips and tokens per agent', async () => {
    const { coordination } = await report();
    expect(coordination.skips).toBe(1);
    // After adoption: main's edit, feat4's work, its merge, the late change and the handoff.
    expect(coordination.verify).toEqual({ checked: 5, failed: 1 });
    expect(coordination.agents).toEqual([
      expect.objectContaining({ agent: 'claude', sessions: 1, handoffs: 1, claims: 2, skips: 0, tokens: 3000, tokenHandoffs: 1, overBudget: 1 }),
      expect.objectContaining({ agent: 'codex', sessions: 1, handoffs: 0, claims: 1, skips: 1, verifyFailures: 1 }),
    ]);
  });

  it('refuses an empty or unparsable --tags before reading the history', async () => {
    for (const tags of ['', 'v[1', '{v*']) await expect(runReport(repo, config, { now: at(60), tags }), tags).rejects.toThrow(/^--tags .* (is empty|is not a valid glob)/);
  });

  it('applies --since and --until to every count', async () => {
    const r = await report({ since: at(28).getTime(), until: at(40).getTime() });
    expect(r.merges.total).toBe(1);
    expect(r.deploys.count).toBe(0);
    expect(r.periods).toBeNull();
  });

  it("reports on the remote's default branch by default, by its name", async () => {
    const clone = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-report-clone-')));
    try {
      gitAt(60, ['clone', '-q', root, clone]);
      execFileSync('git', ['checkout', '-q', '-b', 'topic'], { cwd: clone });
      execFileSync('git', ['branch', '-q', '-D', 'main'], { cwd: clone });
      const r = await runReport({ root: clone, gitDir: join(clone, '.git'), commonDir: join(clone, '.git') }, config, { now: at(60) });
      expect(r.branch).toBe('main');
      expect(r.merges.total).toBe(4);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('caches replays and the churn walk, and gives the same answer from the cache', async () => {
    const cold = await runReport(repo, config, { now: at(60) });
    const cache = JSON.parse(readFileSync(join(repo.commonDir, 'agentsync', REPORT_CACHE_FILE), 'utf8'));
    expect(Object.keys(cache.merges)).toHaveLength(4);
    expect(cache.churn.tip).toBe(gitAt(60, ['rev-parse', 'main']));
    // A new commit: the walk resumes from the cached tip.
    edit('b.ts', 8, 'b newest');
    commit(58, 'Newest');
    const warm = await runReport(repo, config, { now: at(60) });
    expect(warm.rework.linesAdded).toBe(cold.rework.linesAdded + 1);
    expect(warm.merges).toEqual(cold.merges);
    rmSync(join(repo.commonDir, 'agentsync', REPORT_CACHE_FILE));
    expect((await runReport(repo, config, { now: at(60) })).rework).toEqual(warm.rework);
  });

  it('counts verify failures by the claims at each commit\'s time: a claim made since changes nothing', async () => {
    const before = (await report()).coordination.verify;
    const claim = { holder: 'alice', glob: '**', mode: 'exclusive' as const, createdAt: new Date().toISOString(), expiresAt: '2999-01-01T00:00:00.000Z' };
    await updateState(repo, { actor: 'alice' }, (state) => ({ state: { ...state, claims: [...state.claims, claim] }, result: undefined, message: 'claim: alice claims ** (exclusive)' }));
    expect((await report()).coordination.verify).toEqual(before);
  });
});

describe('runReport on octopus merges and shallow clones', () => {
  let dir: string;
  const sh = (cwd: string, args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@t' } });
  const repoOf = (root: string): Repo => ({ root, gitDir: join(root, '.git'), commonDir: join(root, '.git') });

  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-report-octopus-')));
    const origin = join(dir, 'origin');
    sh(dir, ['init', '-q', '-b', 'main', origin]);
    writeFileSync(join(origin, 'a'), 'a\n');
    sh(origin, ['add', 'a']);
    sh(origin, ['commit', '-q', '-m', 'root']);
    for (const branch of ['o1', 'o2']) {
      sh(origin, ['checkout', '-q', '-b', branch, 'main']);
      writeFileSync(join(origin, branch), `${branch}\n`);
      sh(origin, ['add', branch]);
      sh(origin, ['commit', '-q', '-m', branch]);
    }
    sh(origin, ['checkout', '-q', 'main']);
    writeFileSync(join(origin, 'm'), 'm\n');
    sh(origin, ['add', 'm']);
    sh(origin, ['commit', '-q', '-m', 'main']);
    sh(origin, ['merge', '-q', '-m', 'octopus', 'o1', 'o2']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays an octopus pairwise and counts it', async () => {
    const r = await runReport(repoOf(join(dir, 'origin')), configSchema.parse({}), { now: new Date() });
    expect(r.merges).toMatchObject({ total: 1, conflicted: 0, octopus: 1, unreplayed: 0 });
  });

  it('exits 2 with a git too old to replay merges', async () => {
    // A git before 2.38 cannot be installed here: a wrapper answers merge-tree as it does (usage, exit 129).
    const bin = join(dir, 'old-git');
    mkdirSync(bin);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\nif [ "$1" = merge-tree ]; then echo "usage: git merge-tree <base-tree> <branch1> <branch2>" >&2; exit 129; fi\nexec ${realGit} "$@"\n`, { mode: 0o755 });
    rmSync(join(dir, 'origin', '.git', 'agentsync', REPORT_CACHE_FILE), { force: true }); // the replay above is cached
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await expect(runReport(repoOf(join(dir, 'origin')), configSchema.parse({}), { now: new Date() })).rejects.toThrow(/merge-tree --write-tree is not available/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('counts a merge whose history a shallow clone lacks as unreplayed, and nothing else of it', async () => {
    sh(dir, ['clone', '-q', '--depth', '2', `file://${join(dir, 'origin')}`, 'shallow']);
    const r = await runReport(repoOf(join(dir, 'shallow')), configSchema.parse({}), { now: new Date() });
    expect(r.merges).toMatchObject({ total: 1, conflicted: 0, unreplayed: 1 });
  });
});
