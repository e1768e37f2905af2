/** Dates as `agentsync report` reads and groups them. Pure. */
import { UsageError } from '../errors';

const DAY_MS = 86_400_000;

/**
 * A `--since`/`--until` value as a time in ms: an ISO date or date-time
 * (`2026-11-01`, `2026-11-01T09:30:00Z`), or an age such as `30d` or `12w`
 * (that long before `now`). Anything else is a usage error naming the flag.
 */
export function parseReportDate(flag: string, text: string, now: Date): number {
  const value = text.trim();
  const age = /^(\d+)([dw])$/.exec(value);
  const time = age ? now.getTime() - Number(age[1]) * (age[2] === 'w' ? 7 : 1) * DAY_MS : isoTime(value);
  // Before 1970 no git commit is dated, and a huge age is past what a Date holds.
  if (Number.isNaN(time) || time < 0) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a date${age ? ' after 1970' : ''}.`, {
      where: flag,
      hint: `Give an ISO date such as 2026-11-01 (UTC), a date-time such as 2026-11-01T09:30:00Z, or an age such as 30d or 12w.`,
    });
  }
  return time;
}

/** An ISO date or date-time as ms, NaN when it is not one; a day the month lacks (2026-02-30) is not rolled over. */
function isoTime(value: string): number {
  const parts = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (!parts) return NaN;
  const [year, month, day] = parts.slice(1, 4).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return NaN;
  return Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
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
