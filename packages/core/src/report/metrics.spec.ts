import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS } from '../config/schema';
import {
  buildReport,
  coordinationRows,
  deployTimes,
  deploysWithRevert,
  healthScope,
  restoreTimes,
  summarizeMerges,
  type MergeFact,
  type ReportFacts,
} from './metrics';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);
const merge = (day: number, conflicted?: string[], parents = 2, firstParent = true): MergeFact => ({ sha: `m${day}`, time: T0 + day * DAY, parents, firstParent, ...(conflicted ? { conflicted } : {}) });
const isHot = (path: string) => path === 'package.json';

describe('summarizeMerges', () => {
  it('splits conflicted files into hot and other, and counts what could not be replayed', () => {
    const merges = [merge(0, []), merge(1, ['package.json', 'a.ts']), merge(2, ['b.ts']), merge(3, undefined), merge(4, [], 3)];
    expect(summarizeMerges(merges, isHot)).toEqual({ total: 5, conflicted: 2, hotFileConflicts: 1, otherFileConflicts: 2, mergesWithHotFileConflicts: 1, octopus: 1, unreplayed: 1 });
  });
});

describe('deploys', () => {
  it('takes release tags when there are any, else merges on the first-parent chain', () => {
    expect(deployTimes({ tags: [{ name: 'v2', time: 20 }, { name: 'v1', time: 10 }], merges: [merge(0, [])] })).toEqual({ source: 'tags', times: [10, 20] });
    expect(deployTimes({ tags: [], merges: [merge(1, []), merge(0, [], 2, false)] })).toEqual({ source: 'merges', times: [T0 + DAY] });
  });

  it('puts each revert in the first deploy at or after it', () => {
    expect(deploysWithRevert([10, 20, 30], [5, 8, 25, 31])).toBe(2);
    expect(deploysWithRevert([], [5])).toBe(0);
  });
});

describe('restoreTimes', () => {
  it('measures from the first red to the next green, leaving an unfinished incident open', () => {
    const results = [
      { time: 100, status: 'green' as const },
      { time: 200, status: 'red' as const },
      { time: 250, status: 'red' as const },
      { time: 300, status: 'green' as const },
      { time: 400, status: 'red' as const },
    ];
    expect(restoreTimes([...results].reverse())).toEqual({ durations: [100], open: 1 });
  });

  it("uses the branch's own results when it has any", () => {
    const facts = [
      { time: 1, status: 'red' as const, branch: 'main', source: 'baseline' as const },
      { time: 2, status: 'green' as const, branch: 'bob/x', source: 'baseline' as const },
    ];
    expect(healthScope(facts, 'main')).toMatchObject({ scope: 'default-branch', results: [facts[0]] });
    expect(healthScope(facts, 'trunk')).toMatchObject({ scope: 'all-branches', results: facts });
    expect(healthScope([], 'main')).toEqual({ scope: 'none', results: [] });
  });
});

describe('coordinationRows', () => {
  it("counts per agent and holds tokens against the handoff's tier maximum", () => {
    const rows = coordinationRows(
      {
        store: [
          { time: 1, agent: 'bob', action: 'start', globs: ['a/**', 'b/**'] },
          { time: 2, agent: 'bob', action: 'claim', globs: ['c'] },
          { time: 3, agent: 'bob', action: 'renew', globs: [] },
          { time: 4, agent: 'bob', action: 'end', globs: [] },
          { time: 5, agent: 'amy', action: 'release', globs: ['d'] },
          { time: 6, agent: 'amy', action: 'edit', globs: ['e.ts'] },
        ],
        skips: [{ time: 1, actor: 'amy' }],
        refusals: [
          { time: 7, kind: 'claim', agent: 'amy', conflicts: [{ requested: 'c', holder: 'bob', glob: 'c' }] },
          { time: 8, kind: 'commit', agent: 'amy', conflicts: [{ requested: 'a/x', holder: 'bob', glob: 'a/**' }, { requested: 'b/y', holder: 'bob', glob: 'b/**' }] },
        ],
        handoffs: [
          { time: 1, agent: 'bob', tier: 2, tokens: 9000 },
          { time: 2, agent: 'bob', tier: 4, tokens: 90000 },
          { time: 3, agent: 'amy' },
        ],
        verify: [
          { time: 1, agent: 'amy', failed: true },
          { time: 2, agent: 'amy', failed: false },
          { time: 3, failed: true },
        ],
      },
      DEFAULT_TIERS,
      [{ agent: 'amy', start: 0, end: 60_000 }, { agent: 'amy', start: 0, end: 180_000 }, { agent: 'amy', start: 0 }],
    );
    expect(rows).toEqual([
      { agent: 'amy', sessions: 0, handoffs: 0, claims: 1, releases: 1, renewals: 0, skips: 1, tokens: 0, tokenHandoffs: 0, overBudget: 0, verifyFailures: 1, refusals: 2, refusedOthers: 0, waits: 2, waitMedianMinutes: 2 },
      { agent: 'bob', sessions: 1, handoffs: 1, claims: 3, releases: 0, renewals: 1, skips: 0, tokens: 99000, tokenHandoffs: 2, overBudget: 1, verifyFailures: 0, refusals: 0, refusedOthers: 2, waits: 0, waitMedianMinutes: null },
    ]);
  });
});

const facts = (over: Partial<ReportFacts> = {}): ReportFacts => ({
  branch: 'main',
  head: 'h',
  now: T0 + 70 * DAY,
  commits: [
    { sha: 'a', time: T0, firstParent: true },
    { sha: 'b', time: T0 + 20 * DAY, firstParent: true, revertOf: 'a' },
    { sha: 'c', time: T0 + 40 * DAY, firstParent: true },
  ],
  merges: [merge(10, ['package.json']), merge(50, [])],
  tags: [],
  tagPattern: 'v*',
  churn: [
    { time: T0, added: 10, reworked: 0 },
    { time: T0 + 20 * DAY, added: 5, reworked: 5 },
  ],
  health: [],
  store: [],
  skips: [],
  refusals: [],
  handoffs: [],
  ...over,
});
const options = { hotFiles: ['package.json'], tiers: DEFAULT_TIERS, reworkWindowDays: 21 };

describe('buildReport', () => {
  it('has the contract keys and per-week rows', () => {
    const report = buildReport(facts(), options);
    expect(report.merges).toMatchObject({ total: 2, conflicted: 1, hotFileConflicts: 1 });
    expect(report.deploys).toMatchObject({ count: 2, source: 'merges' });
    expect(report.reverts.count).toBe(1);
    expect(report.rework).toMatchObject({ linesAdded: 15, linesReworked: 5, churnRate: 5 / 15, deploysWithRevert: 1, reworkRate: 0.5 });
    expect(report.weeks[0]).toMatchObject({ week: '2026-W02', start: '2026-01-05', linesAdded: 10 });
    expect(report.weeks.reduce((n, w) => n + w.merges, 0)).toBe(2);
    expect(report.periods).toBeNull();
  });

  it('splits before and after adoption, and divides deploys by the weeks of each period', () => {
    const report = buildReport(facts({ adoption: { commit: 'c', time: T0 + 35 * DAY } }), options);
    expect(report.periods?.before).toMatchObject({ merges: { total: 1, hotFileConflicts: 1 }, deploys: { count: 1, perWeek: 1 / 5 }, reverts: { count: 1 } });
    expect(report.periods?.after).toMatchObject({ merges: { total: 1, hotFileConflicts: 0 }, deploys: { count: 1, perWeek: 1 / 5 }, reverts: { count: 0 } });
  });

  it('counts refusals and waits once adopted (0, not null), and leaves them null where nothing could be refused', () => {
    expect(buildReport(facts(), options).coordination).toMatchObject({ refusals: null, waits: null });
    const adopted = buildReport(facts({ adoption: { commit: 'c', time: T0 } }), options).coordination;
    expect(adopted.refusals).toEqual({ count: 0, claim: 0, commit: 0, edit: 0 });
    expect(adopted.waits).toEqual({ count: 0, open: 0, medianMinutes: null, p95Minutes: null });
    const refusal = { time: T0 + 41 * DAY, kind: 'edit' as const, agent: 'amy', conflicts: [{ requested: 'a.ts', holder: 'bob', glob: 'a.ts' }] };
    const store = [{ time: T0 + 41 * DAY + 30 * 60_000, agent: 'bob', action: 'release' as const, globs: ['a.ts'] }];
    const counted = buildReport(facts({ adoption: { commit: 'c', time: T0 }, refusals: [refusal], store, since: T0 + 40 * DAY }), options).coordination;
    expect(counted.refusals).toEqual({ count: 1, claim: 0, commit: 0, edit: 1 });
    expect(counted.waits).toEqual({ count: 1, open: 0, medianMinutes: 30, p95Minutes: 30 });
    // Kept by their start: a window after the refusal counts neither it nor its wait.
    expect(buildReport(facts({ adoption: { commit: 'c', time: T0 }, refusals: [refusal], store, since: T0 + 42 * DAY }), options).coordination).toMatchObject({ refusals: { count: 0 }, waits: { count: 0 } });
  });

  it('keeps to the window and gives no split when adoption is outside it', () => {
    const report = buildReport(facts({ adoption: { commit: 'c', time: T0 + 35 * DAY }, since: T0 + 36 * DAY }), options);
    expect(report.merges.total).toBe(1);
    expect(report.commits).toBe(1);
    expect(report.periods).toBeNull();
  });
});
