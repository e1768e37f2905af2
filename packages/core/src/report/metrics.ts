/**
 * The report's numbers, computed from facts read out of git (see ./collect).
 * Pure: every definition of docs/report.md is a function here, so each can be
 * tested on hand-made facts without a repository.
 */
import type { TierConfig, TierNumber } from '../config/schema';
import { claimMatcher } from '../domain/globs/globs';
import { claimsGlobs, summarizeRefusals, summarizeWaits, waitEpisodes, type RefusalFact, type RefusalSummary, type StoreEventFact, type WaitEpisode, type WaitSummary } from './contention';
import { DAY_MS, weekStart, weeksBetween, isoWeek } from './dates';
import { median } from './stats';

export type { RefusalFact, StoreEventFact };

/** A commit reachable from the reported branch. */
export interface CommitFact {
  sha: string;
  time: number;
  /** Whether it is on the branch's first-parent chain (landed on it directly). */
  firstParent: boolean;
  /** The commit a `This reverts commit …` line names. */
  revertOf?: string;
}

/** A merge commit and what replaying it found. */
export interface MergeFact {
  sha: string;
  time: number;
  parents: number;
  firstParent: boolean;
  /** Files the replay left conflicted; undefined when it could not be replayed (a parent missing, say). */
  conflicted?: string[];
}

export interface TagFact {
  name: string;
  time: number;
}

/** What one first-parent commit added and reworked (see ./churn). */
export interface ChurnFact {
  time: number;
  added: number;
  reworked: number;
}

/** One recorded health result: a session's baseline or a handoff's health line. */
export interface HealthFact {
  time: number;
  status: 'green' | 'red';
  /** The branch of the session that recorded it. */
  branch?: string;
  source: 'baseline' | 'handoff';
}

/** One AGENTSYNC_SKIP use from refs/agentsync/audit. */
export interface SkipFact {
  time: number;
  actor: string;
}

/** One handoff entry of AgentTracker.md. */
export interface HandoffFact {
  time: number;
  agent: string;
  tier?: number;
  tokens?: number;
}

/** One commit since adoption as `agentsync verify` judges it. */
export interface VerifyFact {
  time: number;
  agent?: string;
  /** Whether a rule blocks it (claims, gates, sessions). */
  failed: boolean;
}

/** Everything ./collect read; the time window is applied here. */
export interface ReportFacts {
  branch: string;
  head: string;
  now: number;
  since?: number;
  until?: number;
  /** The commit that added .agentsync.json on the branch. */
  adoption?: { commit: string; time: number };
  commits: CommitFact[];
  merges: MergeFact[];
  /** Release tags matching the pattern, anywhere in the repository's history. */
  tags: TagFact[];
  tagPattern: string;
  churn: ChurnFact[];
  health: HealthFact[];
  store: StoreEventFact[];
  skips: SkipFact[];
  /** Refusals on other agents' claims recorded in the audit log, oldest first. */
  refusals: RefusalFact[];
  handoffs: HandoffFact[];
  /** Absent when the store has no history or nothing adopted AgentSync. */
  verify?: VerifyFact[];
}

export interface ReportOptions {
  /** hotFiles globs of the config. */
  hotFiles: readonly string[];
  tiers: Readonly<Record<TierNumber, TierConfig>>;
  reworkWindowDays: number;
}

export interface MergeSummary {
  total: number;
  conflicted: number;
  /** Conflicted files that are hot files, summed over the merges. */
  hotFileConflicts: number;
  otherFileConflicts: number;
  /** Merges with at least one hot file conflicted. */
  mergesWithHotFileConflicts: number;
  /** Merges with three or more parents (replayed pairwise). */
  octopus: number;
  /** Merges that could not be replayed (a parent missing from a shallow clone, say). */
  unreplayed: number;
}

export interface Summary {
  from: string | null;
  to: string;
  /** Length of the window in weeks (the per-week rates divide by at least 1). */
  weekCount: number;
  commits: number;
  merges: MergeSummary;
  deploys: { count: number; perWeek: number; source: 'tags' | 'merges' };
  reverts: { count: number };
  rework: {
    windowDays: number;
    linesAdded: number;
    linesReworked: number;
    /** linesReworked / linesAdded. */
    churnRate: number | null;
    deploysWithRevert: number;
    /** DORA-style: deploys holding a revert / deploys. */
    reworkRate: number | null;
  };
  health: {
    results: number;
    green: number;
    red: number;
    passRate: number | null;
    /** Red to the next green, in minutes. */
    mttrMinutes: { mean: number; median: number } | null;
    incidents: number;
    openIncidents: number;
    scope: 'default-branch' | 'all-branches' | 'none';
  };
}

export interface AgentRow {
  agent: string;
  sessions: number;
  handoffs: number;
  claims: number;
  releases: number;
  renewals: number;
  skips: number;
  tokens: number;
  /** Handoffs that reported tokens, and how many of them went over their tier's maximum. */
  tokenHandoffs: number;
  overBudget: number;
  /** Commits of the agent (its Agent: trailer) that verify would fail. */
  verifyFailures: number;
  /** Times the agent was refused on another's claim, and times others were refused on its claims. */
  refusals: number;
  refusedOthers: number;
  /** The agent's waits that ended, and their median length. */
  waits: number;
  waitMedianMinutes: number | null;
}

export interface WeekRow {
  week: string;
  start: string;
  merges: number;
  conflicted: number;
  hotFileConflicts: number;
  deploys: number;
  reverts: number;
  linesAdded: number;
  linesReworked: number;
}

export interface Report extends Summary {
  version: 1;
  branch: string;
  head: string;
  tagPattern: string;
  adoption: { commit: string; at: string } | null;
  conflictedFiles: Array<{ path: string; conflicts: number; hot: boolean }>;
  coordination: {
    agents: AgentRow[];
    skips: number;
    /** Commits since adoption re-checked as `agentsync verify` does, and how many fail; null without a store history. */
    verify: { checked: number; failed: number } | null;
    /** Refusals on other agents' claims by kind; null when nothing adopted AgentSync and none was recorded. */
    refusals: RefusalSummary | null;
    /** How long refused agents waited for the paths (docs/report.md); null with `refusals`. */
    waits: WaitSummary | null;
  };
  weeks: WeekRow[];
  /** Split at the adoption commit; null without one inside the window. */
  periods: { before: Summary; after: Summary } | null;
}

const iso = (time: number) => new Date(time).toISOString();
const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const inWindow = (from: number, to: number) => (fact: { time: number }) => fact.time >= from && fact.time < to;

/** The hot-file test of the config's hotFiles globs (same matching as the hooks). */
function hotMatcher(globs: readonly string[]): (path: string) => boolean {
  const matchers = globs.map(claimMatcher);
  return (path) => matchers.some((matches) => matches(path));
}

/** Merge counts; conflicted files split into hot and other. */
export function summarizeMerges(merges: readonly MergeFact[], isHot: (path: string) => boolean): MergeSummary {
  const summary: MergeSummary = { total: merges.length, conflicted: 0, hotFileConflicts: 0, otherFileConflicts: 0, mergesWithHotFileConflicts: 0, octopus: 0, unreplayed: 0 };
  for (const merge of merges) {
    if (merge.parents > 2) summary.octopus++;
    if (merge.conflicted === undefined) {
      summary.unreplayed++;
      continue;
    }
    if (merge.conflicted.length === 0) continue;
    summary.conflicted++;
    const hot = merge.conflicted.filter(isHot).length;
    summary.hotFileConflicts += hot;
    summary.otherFileConflicts += merge.conflicted.length - hot;
    if (hot > 0) summary.mergesWithHotFileConflicts++;
  }
  return summary;
}

/** Deploys: release tags when the repository has any, else merges landing on the branch. */
export function deployTimes(facts: Pick<ReportFacts, 'tags' | 'merges'>): { source: 'tags' | 'merges'; times: number[] } {
  if (facts.tags.length > 0) return { source: 'tags', times: facts.tags.map((t) => t.time).sort((a, b) => a - b) };
  return { source: 'merges', times: facts.merges.filter((m) => m.firstParent).map((m) => m.time).sort((a, b) => a - b) };
}

/**
 * Deploys that shipped a revert: each revert belongs to the first deploy at or
 * after its commit time (`deploys` sorted).
 */
export function deploysWithRevert(deploys: readonly number[], revertTimes: readonly number[]): number {
  const hit = new Set<number>();
  for (const time of revertTimes) {
    const index = deploys.findIndex((d) => d >= time);
    if (index >= 0) hit.add(index);
  }
  return hit.size;
}

/**
 * Time to restore: each red result opens an incident (unless one is open), the
 * next green closes it. Results are taken in time order.
 */
export function restoreTimes(results: readonly Pick<HealthFact, 'time' | 'status'>[]): { durations: number[]; open: number } {
  const durations: number[] = [];
  let openedAt: number | undefined;
  for (const result of [...results].sort((a, b) => a.time - b.time)) {
    if (result.status === 'red') openedAt ??= result.time;
    else if (openedAt !== undefined) {
      durations.push(result.time - openedAt);
      openedAt = undefined;
    }
  }
  return { durations, open: openedAt === undefined ? 0 : 1 };
}

/** The health results that count: the branch's own when there are any, else every branch's. */
export function healthScope(results: readonly HealthFact[], branch: string): { scope: Summary['health']['scope']; results: HealthFact[] } {
  const own = results.filter((r) => r.branch === branch);
  if (own.length > 0) return { scope: 'default-branch', results: own };
  return results.length > 0 ? { scope: 'all-branches', results: [...results] } : { scope: 'none', results: [] };
}

function summarizeHealth(results: readonly HealthFact[], branch: string): Summary['health'] {
  const scoped = healthScope(results, branch);
  const green = scoped.results.filter((r) => r.status === 'green').length;
  const { durations, open } = restoreTimes(scoped.results);
  const minutes = durations.map((ms) => ms / 60_000);
  return {
    results: scoped.results.length,
    green,
    red: scoped.results.length - green,
    passRate: ratio(green, scoped.results.length),
    mttrMinutes: minutes.length ? { mean: minutes.reduce((a, b) => a + b, 0) / minutes.length, median: median(minutes) } : null,
    incidents: durations.length + open,
    openIncidents: open,
    scope: scoped.scope,
  };
}

/** Every headline number for the window [from, to). */
function summarize(facts: ReportFacts, options: ReportOptions, from: number, to: number): Summary {
  const within = inWindow(from, to);
  const isHot = hotMatcher(options.hotFiles);
  const commits = facts.commits.filter(within);
  const deploys = deployTimes(facts);
  const deployed = deploys.times.filter((t) => t >= from && t < to);
  const reverts = commits.filter((c) => c.revertOf !== undefined);
  const churn = facts.churn.filter(within);
  const added = churn.reduce((sum, c) => sum + c.added, 0);
  const reworked = churn.reduce((sum, c) => sum + c.reworked, 0);
  const first = commits.length ? Math.min(...commits.map((c) => c.time)) : from;
  const start = Number.isFinite(from) ? from : first;
  const end = Math.min(to, facts.now);
  const weeks = Math.max(0, (end - start) / (7 * DAY_MS));
  const withRevert = deploysWithRevert(deployed, reverts.map((r) => r.time));
  return {
    from: Number.isFinite(from) ? iso(from) : commits.length ? iso(first) : null,
    to: iso(end),
    weekCount: Math.round(weeks * 10) / 10,
    commits: commits.length,
    merges: summarizeMerges(facts.merges.filter(within), isHot),
    deploys: { count: deployed.length, perWeek: deployed.length / Math.max(weeks, 1), source: deploys.source },
    reverts: { count: reverts.length },
    rework: {
      windowDays: options.reworkWindowDays,
      linesAdded: added,
      linesReworked: reworked,
      churnRate: ratio(reworked, added),
      deploysWithRevert: withRevert,
      reworkRate: ratio(withRevert, deployed.length),
    },
    health: summarizeHealth(facts.health.filter(within), facts.branch),
  };
}

/** Sessions, handoffs, claims, skips, refusals, waits and tokens per agent. */
export function coordinationRows(
  facts: Pick<ReportFacts, 'store' | 'skips' | 'handoffs' | 'verify' | 'refusals'>,
  tiers: ReportOptions['tiers'],
  waits: readonly WaitEpisode[] = [],
): AgentRow[] {
  const rows = new Map<string, AgentRow>();
  const row = (agent: string) => {
    let found = rows.get(agent);
    if (!found) {
      found = { agent, sessions: 0, handoffs: 0, claims: 0, releases: 0, renewals: 0, skips: 0, tokens: 0, tokenHandoffs: 0, overBudget: 0, verifyFailures: 0, refusals: 0, refusedOthers: 0, waits: 0, waitMedianMinutes: null };
      rows.set(agent, found);
    }
    return found;
  };
  for (const event of facts.store) {
    const r = row(event.agent);
    if (claimsGlobs(event)) r.claims += event.globs.length;
    if (event.action === 'start') r.sessions++;
    else if (event.action === 'end') r.handoffs++;
    else if (event.action === 'release') r.releases++;
    else if (event.action === 'renew') r.renewals++;
  }
  for (const skip of facts.skips) row(skip.actor).skips++;
  for (const refusal of facts.refusals) {
    row(refusal.agent).refusals++;
    for (const holder of new Set(refusal.conflicts.map((c) => c.holder))) row(holder).refusedOthers++;
  }
  for (const [agent, ended] of groupEnded(waits)) Object.assign(row(agent), { waits: ended.length, waitMedianMinutes: median(ended) });
  for (const verdict of facts.verify ?? []) if (verdict.failed && verdict.agent) row(verdict.agent).verifyFailures++;
  for (const handoff of facts.handoffs) {
    if (handoff.tokens === undefined) continue;
    const r = row(handoff.agent);
    r.tokens += handoff.tokens;
    r.tokenHandoffs++;
    const max = handoff.tier ? tiers[String(handoff.tier) as TierNumber]?.tokens.max : undefined;
    if (max !== undefined && handoff.tokens > max) r.overBudget++;
  }
  return [...rows.values()].sort((a, b) => a.agent.localeCompare(b.agent));
}

/** The ended waits' lengths in minutes, per agent. */
function groupEnded(waits: readonly WaitEpisode[]): Map<string, number[]> {
  const byAgent = new Map<string, number[]>();
  for (const wait of waits) if (wait.end !== undefined) byAgent.set(wait.agent, [...(byAgent.get(wait.agent) ?? []), (wait.end - wait.start) / 60_000]);
  return byAgent;
}

/** Merges, deploys, reverts and churn per ISO week of the window. */
function weekRows(facts: ReportFacts, options: ReportOptions, from: number, to: number): WeekRow[] {
  const within = inWindow(from, to);
  const commits = facts.commits.filter(within);
  if (commits.length === 0) return [];
  const isHot = hotMatcher(options.hotFiles);
  const first = Number.isFinite(from) ? from : Math.min(...commits.map((c) => c.time));
  // Every week up to the window's end (or now): quiet weeks are data too.
  const last = Math.max(first, Math.min(to, facts.now));
  const rows = new Map<number, WeekRow>(
    weeksBetween(first, last).map((start) => [
      start,
      { week: isoWeek(start), start: iso(start).slice(0, 10), merges: 0, conflicted: 0, hotFileConflicts: 0, deploys: 0, reverts: 0, linesAdded: 0, linesReworked: 0 },
    ]),
  );
  const at = (time: number) => rows.get(weekStart(time));
  for (const merge of facts.merges.filter(within)) {
    const r = at(merge.time);
    if (!r) continue;
    r.merges++;
    if (merge.conflicted?.length) {
      r.conflicted++;
      r.hotFileConflicts += merge.conflicted.filter(isHot).length;
    }
  }
  for (const time of deployTimes(facts).times.filter((t) => t >= from && t < to)) {
    const r = at(time);
    if (r) r.deploys++;
  }
  for (const commit of commits) if (commit.revertOf !== undefined) {
    const r = at(commit.time);
    if (r) r.reverts++;
  }
  for (const step of facts.churn.filter(within)) {
    const r = at(step.time);
    if (!r) continue;
    r.linesAdded += step.added;
    r.linesReworked += step.reworked;
  }
  return [...rows.values()];
}

/** The files conflicted most often in the window, hot ones marked. */
function topConflictedFiles(merges: readonly MergeFact[], isHot: (path: string) => boolean, limit = 10): Report['conflictedFiles'] {
  const counts = new Map<string, number>();
  for (const merge of merges) for (const path of merge.conflicted ?? []) counts.set(path, (counts.get(path) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([path, conflicts]) => ({ path, conflicts, hot: isHot(path) }));
}

/** The whole report for the facts' window, split before/after adoption when it falls inside. */
export function buildReport(facts: ReportFacts, options: ReportOptions): Report {
  const from = facts.since ?? -Infinity;
  const to = facts.until ?? Infinity;
  const within = inWindow(from, to);
  const adoption = facts.adoption;
  const verify = facts.verify?.filter(within);
  const split = adoption && adoption.time > from && adoption.time < to && facts.commits.some((c) => c.time < adoption.time && within(c));
  const refusals = facts.refusals.filter(within);
  // A wait's end may come after the window: every store write is looked at, and waits are kept by their start.
  const waits = waitEpisodes(facts.refusals, facts.store, facts.now).filter((w) => within({ time: w.start }));
  // Without adoption nothing could be refused, unless records say otherwise (a branch without the config).
  const contention = adoption || facts.refusals.length > 0;
  return {
    version: 1,
    branch: facts.branch,
    head: facts.head,
    tagPattern: facts.tagPattern,
    adoption: adoption ? { commit: adoption.commit, at: iso(adoption.time) } : null,
    ...summarize(facts, options, from, to),
    conflictedFiles: topConflictedFiles(facts.merges.filter(within), hotMatcher(options.hotFiles)),
    coordination: {
      agents: coordinationRows(
        { store: facts.store.filter(within), skips: facts.skips.filter(within), handoffs: facts.handoffs.filter(within), verify, refusals },
        options.tiers,
        waits,
      ),
      skips: facts.skips.filter(within).length,
      verify: verify ? { checked: verify.length, failed: verify.filter((v) => v.failed).length } : null,
      refusals: contention ? summarizeRefusals(refusals) : null,
      waits: contention ? summarizeWaits(waits) : null,
    },
    weeks: weekRows(facts, options, from, to),
    periods: split ? { before: summarize(facts, options, from, adoption.time), after: summarize(facts, options, adoption.time, to) } : null,
  };
}
