/** Durations as written in `.agentsync.json` and on the command line. */

/**
 * "90s", "30m", "1h30m", "2h", "1d": units largest first, each at most once. The lookahead
 * demands a non-zero digit so "0s" is refused. Also the JSON Schema's pattern, so editors agree.
 */
export const DURATION_PATTERN = /^(?=.*[1-9])(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1000];

/**
 * The longest duration anywhere: a timer cannot wait longer (2^31 ms is 24.8 days), and
 * a lease or timeout beyond it is a typo, not a plan (a date that far out is not even valid).
 */
export const MAX_DURATION = '24d';
export const MAX_DURATION_MS = 24 * UNIT_MS[0];

/** Milliseconds in a duration such as "90s", "30m", "1h30m", "1d" or a positive integer of seconds, at most {@link MAX_DURATION}; throws an Error otherwise. */
export function parseDuration(value: unknown): number {
  const ms = durationMs(value);
  if (ms === undefined) {
    throw new Error(
      `Invalid duration ${JSON.stringify(value) ?? String(value)}: expected a positive number of seconds ` +
        'or a string such as "90s", "30m", "1h30m", "2h" or "1d".',
    );
  }
  if (ms > MAX_DURATION_MS) throw new Error(`Duration ${JSON.stringify(value)} is longer than the maximum, ${MAX_DURATION}.`);
  return ms;
}

/** The milliseconds a well-formed duration stands for, however long; undefined when it is not one. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value * 1000 : undefined;
  const match = typeof value === 'string' ? DURATION_PATTERN.exec(value) : null;
  return match ? match.slice(1).reduce((ms, digits, unit) => ms + Number(digits ?? 0) * UNIT_MS[unit], 0) : undefined;
}

/** How long until `iso`, for people: "in 1h 59m", "in <1m", "expired". Status, conflicts and the hooks say it alike. */
export function untilText(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  if (ms <= 0) return 'expired';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'in <1m';
  const h = Math.floor(minutes / 60);
  return `in ${h ? `${h}h ` : ''}${minutes % 60}m`;
}
