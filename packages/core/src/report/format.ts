/**
 * The report as rows of text, shared by the terminal table, the Markdown and
 * the HTML page, so the three always show the same numbers. Pure.
 */
import type { Report, Summary } from './metrics';

/** A table: column headers and rows of cells, the first cell a label. */
export interface TextTable {
  headers: string[];
  rows: string[][];
}

const DASH = '—';

const percent = (value: number | null) => (value === null ? DASH : `${(value * 100).toFixed(1)}%`);
const rate = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(2).replace(/\.?0+$/, '') || '0');

/** Minutes for people: "45 min", "3.2 h", "2.1 d". */
export function duration(minutes: number): string {
  if (minutes < 90) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} d`;
}

/** The window a summary covers, as `2026-10-01 → 2026-12-04`. */
function windowText(summary: Pick<Summary, 'from' | 'to'>): string {
  return `${summary.from?.slice(0, 10) ?? DASH} → ${summary.to.slice(0, 10)}`;
}

function summaryColumn(s: Summary): string[] {
  const m = s.merges;
  return [
    windowText(s),
    String(s.commits),
    String(m.total),
    `${m.conflicted} (${percent(m.total ? m.conflicted / m.total : null)})`,
    String(m.hotFileConflicts),
    String(m.otherFileConflicts),
    `${s.deploys.count} (${rate(s.deploys.perWeek)}/week)`,
    String(s.reverts.count),
    `${percent(s.rework.churnRate)} (${s.rework.linesReworked} of ${s.rework.linesAdded} lines)`,
    `${percent(s.rework.reworkRate)} (${s.rework.deploysWithRevert} of ${s.deploys.count})`,
    s.health.results ? `${percent(s.health.passRate)} (${s.health.green} of ${s.health.results})` : DASH,
    s.health.mttrMinutes ? `${duration(s.health.mttrMinutes.mean)} (median ${duration(s.health.mttrMinutes.median)}, ${s.health.incidents} red)` : DASH,
  ];
}

/** The headline numbers: one column for the window, two more (before, after) when adoption splits it. */
export function summaryTable(report: Report): TextTable {
  const labels = [
    'window',
    'commits',
    'merges',
    'conflicted merges',
    'hot-file conflicts',
    'other-file conflicts',
    `deploys (${report.deploys.source === 'tags' ? `tags ${report.tagPattern}` : 'merges'})`,
    'reverts',
    `churn (${report.rework.windowDays}d)`,
    'rework rate',
    'build success',
    'MTTR',
  ];
  const columns = [summaryColumn(report)];
  const headers = ['', 'all'];
  if (report.periods) {
    columns.push(summaryColumn(report.periods.before), summaryColumn(report.periods.after));
    headers.push('before AgentSync', 'after');
  }
  return { headers, rows: labels.map((label, i) => [label, ...columns.map((c) => c[i])]) };
}

/** Sessions, handoffs, claims, refusals, waits and budgets per agent. */
export function agentTable(report: Report): TextTable {
  return {
    headers: ['agent', 'sessions', 'handoffs', 'claims', 'releases', 'renewals', 'refused', 'refused others', 'waits (median)', 'skips', 'verify failures', 'tokens', 'over budget'],
    rows: report.coordination.agents.map((a) => [
      a.agent,
      String(a.sessions),
      String(a.handoffs),
      String(a.claims),
      String(a.releases),
      String(a.renewals),
      String(a.refusals),
      String(a.refusedOthers),
      a.waitMedianMinutes === null ? String(a.waits) : `${a.waits} (${duration(a.waitMedianMinutes)})`,
      String(a.skips),
      String(a.verifyFailures),
      a.tokenHandoffs ? String(a.tokens) : DASH,
      a.tokenHandoffs ? `${a.overBudget} of ${a.tokenHandoffs}` : DASH,
    ]),
  };
}

/** The coordination totals above the agents' table. */
export function coordinationLine(report: Report): string {
  const { skips, verify, refusals, waits } = report.coordination;
  const refused = refusals ? `refusals: ${refusals.count} (claim ${refusals.claim}, commit ${refusals.commit}, edit ${refusals.edit}); ` : '';
  const waited = waits ? `waits: ${waits.count}${waits.medianMinutes !== null && waits.p95Minutes !== null ? ` (median ${duration(waits.medianMinutes)}, p95 ${duration(waits.p95Minutes)})` : ''}${waits.open ? `, ${waits.open} open` : ''}; ` : '';
  const checked = verify ? `; verify fails ${verify.failed} of ${verify.checked} commits since adoption` : '';
  return `${refused}${waited}AGENTSYNC_SKIP uses: ${skips}${checked}`;
}

/** The files conflicted most often. */
export function conflictTable(report: Report): TextTable {
  return {
    headers: ['file', 'conflicts', 'hot'],
    rows: report.conflictedFiles.map((f) => [f.path, String(f.conflicts), f.hot ? 'hot' : '']),
  };
}

/** Lines under the tables: what the numbers rest on. */
export function footnotes(report: Report): string[] {
  const notes: string[] = [];
  if (!report.adoption) notes.push('No commit adds .agentsync.json on this branch: no before/after split.');
  else if (!report.periods) {
    const { at, commit } = report.adoption;
    const when = report.from !== null && at <= report.from ? 'at or before the start of this window' : at >= report.to ? 'after this window' : 'with no commit before it in this window';
    notes.push(`AgentSync was adopted ${at.slice(0, 10)} (${commit.slice(0, 10)}), ${when}: no before/after split.`);
  }
  if (report.merges.unreplayed) notes.push(`${report.merges.unreplayed} merge(s) could not be replayed (a parent is missing, as in a shallow clone).`);
  if (report.merges.octopus) notes.push(`${report.merges.octopus} octopus merge(s) replayed pairwise against their first parent.`);
  if (report.health.scope === 'all-branches') notes.push(`No health result was recorded on ${report.branch}: build success and MTTR use every branch's.`);
  if (report.health.scope === 'none') notes.push('No health results recorded (session baselines, handoffs): build success and MTTR need AgentSync sessions.');
  return notes;
}
