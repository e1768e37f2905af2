import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS } from '../config/schema';
import { buildReport, type ReportFacts } from './metrics';
import { bucketWeeks, renderHtml } from './render-html';
import { renderMarkdown, renderTable } from './render-text';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5);
const facts: ReportFacts = {
  branch: 'main',
  head: '0123456789abcdef',
  now: T0 + 30 * DAY,
  adoption: { commit: 'c', time: T0 + 14 * DAY },
  commits: [0, 10, 20].map((d) => ({ sha: `c${d}`, time: T0 + d * DAY, firstParent: true })),
  merges: [{ sha: 'm', time: T0 + DAY, parents: 2, firstParent: true, conflicted: ['package.json', 'a|b.ts', '<b>`c`.ts'] }],
  tags: [],
  tagPattern: 'v*',
  churn: [],
  health: [],
  store: [{ time: T0, agent: '<script>', action: 'start', globs: ['src/**'] }],
  skips: [],
  refusals: [{ time: T0 + 15 * DAY, kind: 'claim', agent: '<script>', conflicts: [{ requested: 'a', holder: 'bob', glob: 'a' }] }],
  handoffs: [],
};
const report = buildReport(facts, { hotFiles: ['package.json'], tiers: DEFAULT_TIERS, reworkWindowDays: 21 });

describe('renderers', () => {
  it('prints aligned columns with before and after', () => {
    const text = renderTable(report);
    expect(text).toMatch(/^merges +1 +1 +0$/m);
    expect(text).toMatch(/^hot-file conflicts +1 +1 +0$/m);
    expect(text).toContain('before AgentSync');
    expect(text).toContain('Agents (refusals: 1 (claim 1, commit 0, edit 0); waits: 0, 1 open; AGENTSYNC_SKIP uses: 0)');
    expect(text).toMatch(/^agent +sessions +handoffs +claims +releases +renewals +refused +refused others +waits \(median\)/m);
    expect(text).toMatch(/^bob +0 +0 +0 +0 +0 +0 +1 +0 /m);
  });

  it('escapes Markdown table cells', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('## AgentSync report: main');
    expect(md).toContain('| a\\|b.ts | 1 |  |');
    expect(md).toContain('| &lt;b&gt;\\`c\\`.ts | 1 |  |');
    expect(md).not.toContain('<b>');
  });

  it('writes one self-contained page: inline SVG, light and dark, nothing fetched, text escaped', () => {
    const html = renderHtml(report, new Date(T0));
    expect(html).toContain('<svg');
    expect(html).toContain('prefers-color-scheme: dark');
    expect(html).not.toMatch(/(src|href)=|url\(|@import|<script/);
    expect(html).toContain('&#60;script&#62;');
    expect(html).toContain('refusals: 1 (claim 1, commit 0, edit 0); waits: 0, 1 open');
  });

  it('says why there is no before/after split', () => {
    const atStart = buildReport({ ...facts, adoption: { commit: 'c0', time: T0 } }, { hotFiles: [], tiers: DEFAULT_TIERS, reworkWindowDays: 21 });
    expect(renderTable(atStart)).toContain('at or before the start of this window: no before/after split.');
    const later = buildReport({ ...facts, until: T0 + 5 * DAY }, { hotFiles: [], tiers: DEFAULT_TIERS, reworkWindowDays: 21 });
    expect(renderTable(later)).toContain('after this window: no before/after split.');
  });

  it('sums weeks into at most the given number of bars', () => {
    const weeks = Array.from({ length: 10 }, (_, i) => ({ ...report.weeks[0], week: `W${i}`, merges: 1 }));
    const buckets = bucketWeeks(weeks, (w) => [w.merges], 4);
    expect(buckets.map((b) => b.values[0])).toEqual([3, 3, 3, 1]);
    expect(buckets[0].label).toBe('W0…W2');
  });
});
