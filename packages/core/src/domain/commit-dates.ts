/**
 * Committer dates are written by whoever commits (`GIT_COMMITTER_DATE`), so no
 * rule may let one help: a date in the future or earlier than the commit's
 * parents is itself a finding, and the moment a commit is judged at is held
 * between its parents' dates and now (docs/commands.md, agentsync verify).
 */
import type { Finding } from './policy';

/** How far apart two honest machines' clocks may be. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** A commit's committer time and its parents', epoch milliseconds. */
export interface CommitTimes {
  time: number;
  parentTimes: readonly number[];
}

const show = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The findings a commit's own date makes: in the future, or before a parent's (beyond the clock skew). */
export function dateFindings({ time, parentTimes }: CommitTimes, now: Date): Finding[] {
  const hint = 'Commit with the real clock: a date cannot change which claims a commit is judged against.';
  const findings: Finding[] = [];
  if (time > now.getTime() + CLOCK_SKEW_MS) {
    findings.push({ level: 'block', rule: 'dates', message: `committer date ${show(time)} is in the future`, hint });
  }
  const latestParent = Math.max(...parentTimes, -Infinity);
  if (time < latestParent - CLOCK_SKEW_MS) {
    findings.push({ level: 'block', rule: 'dates', message: `committer date ${show(time)} is earlier than its parent's, ${show(latestParent)}`, hint });
  }
  return findings;
}

/** The moment a commit is judged at: its date, but never before its parents' nor after now. */
export function judgedTime({ time, parentTimes }: CommitTimes, now: Date): number {
  return Math.min(Math.max(time, ...parentTimes), now.getTime());
}
