import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_MS, dateFindings, judgedTime } from './commit-dates';

const NOW = new Date('2026-12-04T12:00:00Z');
const at = (iso: string) => Date.parse(iso);

describe('dateFindings', () => {
  it('accepts a date between its parents and now, and clocks a few minutes apart', () => {
    expect(dateFindings({ time: at('2026-12-04T11:00:00Z'), parentTimes: [at('2026-12-04T10:00:00Z')] }, NOW)).toEqual([]);
    expect(dateFindings({ time: NOW.getTime() + CLOCK_SKEW_MS, parentTimes: [NOW.getTime() + 2 * CLOCK_SKEW_MS] }, NOW)).toEqual([]);
    expect(dateFindings({ time: at('2001-01-01T00:00:00Z'), parentTimes: [] }, NOW)).toEqual([]);
  });

  it('flags a date in the future and a date before a parent', () => {
    expect(dateFindings({ time: at('2099-01-01T00:00:00Z'), parentTimes: [] }, NOW)).toEqual([
      expect.objectContaining({ level: 'block', rule: 'dates', message: 'committer date 2099-01-01 00:00 UTC is in the future' }),
    ]);
    expect(dateFindings({ time: at('2001-01-01T00:00:00Z'), parentTimes: [at('2026-12-03T09:30:00Z'), at('2026-12-04T09:30:00Z')] }, NOW)).toEqual([
      expect.objectContaining({ message: "committer date 2001-01-01 00:00 UTC is earlier than its parent's, 2026-12-04 09:30 UTC" }),
    ]);
  });
});

describe('judgedTime', () => {
  it('holds the date between the latest parent and now', () => {
    const parentTimes = [at('2026-12-04T10:00:00Z')];
    expect(judgedTime({ time: at('2026-12-04T11:00:00Z'), parentTimes }, NOW)).toBe(at('2026-12-04T11:00:00Z'));
    expect(judgedTime({ time: at('2001-01-01T00:00:00Z'), parentTimes }, NOW)).toBe(at('2026-12-04T10:00:00Z'));
    expect(judgedTime({ time: at('2099-01-01T00:00:00Z'), parentTimes }, NOW)).toBe(NOW.getTime());
  });
});
