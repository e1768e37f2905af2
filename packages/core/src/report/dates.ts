/** Dates as `agentsync report` reads and groups them. Pure. */
import { UsageError } from '../errors';

const DAY_MS = 86_400_000;

/**
 * A `--since`/`--until` value as a time in ms: an ISO date or date-time
 * (`2026-11-01`, `2026-11-01T09:30:00Z`), or an age such as `30d` or `12w`
 * (that long before `now`). Anything else is a usage error naming the flag.
 */
export function parseReportDate(flag: string, text: string, now: Date): number {
  const age = /^(\d+)([dw])$/.exec(text.trim());
  if (age) return now.getTime() - Number(age[1]) * (age[2] === 'w' ? 7 : 1) * DAY_MS;
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim());
  const time = iso ? Date.parse(text.trim().length === 10 ? `${text.trim()}T00:00:00Z` : text.trim()) : NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a date.`, {
      where: flag,
      hint: `Give an ISO date such as 2026-11-01 (UTC), a date-time such as 2026-11-01T09:30:00Z, or an age such as 30d or 12w.`,
    });
  }
  return time;
}

/** The ISO 8601 week (UTC) a time falls in, as `2026-W48`. */
export function isoWeek(time: number): string {
  const date = new Date(time);
  const day = (date.getUTCDay() + 6) % 7; // Monday 0
  // The week's Thursday decides its year.
  const thursday = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const jan4 = Date.UTC(year, 0, 4);
  const firstThursday = jan4 + (3 - ((new Date(jan4).getUTCDay() + 6) % 7)) * DAY_MS;
  const week = 1 + Math.round((thursday - firstThursday) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Monday 00:00 UTC of the week `time` falls in. */
export function weekStart(time: number): number {
  const date = new Date(time);
  const day = (date.getUTCDay() + 6) % 7;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day);
}

/** Every week from the one holding `from` to the one holding `to`, as their Monday times. */
export function weeksBetween(from: number, to: number): number[] {
  const weeks: number[] = [];
  for (let t = weekStart(from); t <= to; t += 7 * DAY_MS) weeks.push(t);
  return weeks;
}

export { DAY_MS };
