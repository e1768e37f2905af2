/**
 * Contention: refusals on other agents' claims (from the audit log) and the
 * waits they caused, measured against the store's later writes. Pure; the
 * definitions are those of docs/report.md#refusals-and-waits.
 */
import { claimMatcher } from '../domain/globs/globs';
import type { RefusalKind } from '../store/audit-records';
import { median, percentile } from './stats';

/** One refusal from the audit log, times in ms. */
export interface RefusalFact {
  time: number;
  kind: RefusalKind;
  /** Who was refused. */
  agent: string;
  conflicts: Array<{ requested: string; holder: string; glob: string; expiresAt?: number }>;
}

/** One write to refs/agentsync/state, as its commit message tells it. */
export interface StoreEventFact {
  time: number;
  agent: string;
  action: 'start' | 'claim' | 'release' | 'end' | 'renew' | 'note' | 'edit' | 'other';
  /** The globs it claimed (start, claim, an edit's first-edit claims) or released. */
  globs: string[];
}

/** From an agent's first refusal on some paths to the moment they stopped standing in its way; `end` undefined while they still do. */
export interface WaitEpisode {
  agent: string;
  start: number;
  end?: number;
}

/** Whether a write claims its globs for its agent (a start's claims, a claim, an edit's first-edit claims) rather than releasing them. */
export const claimsGlobs = (event: Pick<StoreEventFact, 'action'>) => event.action === 'start' || event.action === 'claim' || event.action === 'edit';

/**
 * When one refused path stopped standing in the refused agent's way, as the
 * store's writes from `since` on tell (`store` oldest first): the agent's own
 * claim covering it, the holder's release of its glob or end of its session,
 * or the holder's lease running out when the holder wrote nothing after the
 * refusal that could have renewed it. Undefined when none of these is seen by `now`.
 */
function freedAt(agent: string, since: number, conflict: RefusalFact['conflicts'][number], store: readonly StoreEventFact[], now: number): number | undefined {
  const covers = (glob: string) => glob === conflict.requested || claimMatcher(glob)(conflict.requested);
  // The lease's end counts only while the holder's writes cannot have renewed it.
  let expires = conflict.expiresAt;
  for (const event of store) {
    if (event.time < since) continue;
    if (expires !== undefined && event.time >= expires) return expires;
    if (event.agent === agent && claimsGlobs(event) && event.globs.some(covers)) return event.time;
    if (event.agent !== conflict.holder) continue;
    if (event.action === 'end' || (event.action === 'release' && event.globs.includes(conflict.glob))) return event.time;
    if (event.action !== 'release') expires = undefined;
  }
  return expires !== undefined && expires <= now ? expires : undefined;
}

/**
 * The waits refusals caused: an agent refused again on the same paths before
 * they were freed is still in the same wait, which starts at its first
 * refusal. A wait ends when every path refused is freed ({@link freedAt}).
 * `refusals` and `store` oldest first.
 */
export function waitEpisodes(refusals: readonly RefusalFact[], store: readonly StoreEventFact[], now: number): WaitEpisode[] {
  const episodes: WaitEpisode[] = [];
  const latest = new Map<string, WaitEpisode>();
  for (const refusal of refusals) {
    // Store times are whole seconds: a write in the refusal's own second may follow it.
    const since = Math.floor(refusal.time / 1000) * 1000;
    const ends = refusal.conflicts.map((conflict) => freedAt(refusal.agent, since, conflict, store, now));
    const end = ends.some((e) => e === undefined) ? undefined : Math.max(refusal.time, ...(ends as number[]));
    const key = JSON.stringify([refusal.agent, [...new Set(refusal.conflicts.map((c) => c.requested))].sort()]);
    const last = latest.get(key);
    if (last && (last.end === undefined || refusal.time <= last.end)) {
      last.end = end;
      continue;
    }
    const episode = { agent: refusal.agent, start: refusal.time, ...(end !== undefined ? { end } : {}) };
    episodes.push(episode);
    latest.set(key, episode);
  }
  return episodes;
}

export interface RefusalSummary {
  count: number;
  claim: number;
  commit: number;
  edit: number;
}

export interface WaitSummary {
  /** Waits that ended (the median and p95 are theirs). */
  count: number;
  /** Waits still standing at the end of the records. */
  open: number;
  medianMinutes: number | null;
  p95Minutes: number | null;
}

/** Refusals by kind. */
export function summarizeRefusals(refusals: readonly RefusalFact[]): RefusalSummary {
  const summary: RefusalSummary = { count: refusals.length, claim: 0, commit: 0, edit: 0 };
  for (const refusal of refusals) summary[refusal.kind]++;
  return summary;
}

/** Ended waits' count, median and 95th percentile in minutes, and the open ones. */
export function summarizeWaits(episodes: readonly WaitEpisode[]): WaitSummary {
  const minutes = episodes.flatMap((e) => (e.end === undefined ? [] : [(e.end - e.start) / 60_000]));
  return { count: minutes.length, open: episodes.length - minutes.length, medianMinutes: minutes.length ? median(minutes) : null, p95Minutes: percentile(minutes, 0.95) };
}
