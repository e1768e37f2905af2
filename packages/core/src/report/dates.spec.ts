import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors';
import { isoWeek, parseReportDate, weekStart, weeksBetween } from './dates';

const now = new Date('2026-12-04T12:00:00Z');

describe('parseReportDate', () => {
  it('reads ISO dates (UTC), date-times and ages', () => {
    expect(parseReportDate('--since', '2026-11-01', now)).toBe(Date.parse('2026-11-01T00:00:00Z'));
    expect(parseReportDate('--since', '2026-11-01T09:30:00Z', now)).toBe(Date.parse('2026-11-01T09:30:00Z'));
    expect(parseReportDate('--since', '2026-11-01T09:30+02:00', now)).toBe(Date.parse('2026-11-01T07:30:00Z'));
    expect(parseReportDate('--since', '30d', now)).toBe(now.getTime() - 30 * 86_400_000);
    expect(parseReportDate('--since', '2w', now)).toBe(now.getTime() - 14 * 86_400_000);
  });

  it('refuses anything else, naming the flag', () => {
    for (const bad of ['garbage', '', '2026-13-45', '11/01/2026', '3 months', '-1d']) {
      expect(() => parseReportDate('--until', bad, now), bad).toThrow(UsageError);
    }
    expect(() => parseReportDate('--until', 'soon', now)).toThrow('--until "soon" is not a date.');
  });
});

describe('ISO weeks', () => {
  it('numbers weeks as ISO 8601 does, across year ends', () => {
    expect(isoWeek(Date.parse('2026-01-05T00:00:00Z'))).toBe('2026-W02');
    expect(isoWeek(Date.parse('2026-01-01T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeek(Date.parse('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(Date.parse('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(Date.parse('2021-01-03T23:59:00Z'))).toBe('2020-W53');
  });

  it('starts weeks on Monday 00:00 UTC and lists every week of a span', () => {
    expect(new Date(weekStart(Date.parse('2026-12-06T23:00:00Z'))).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(weeksBetween(Date.parse('2026-11-30T10:00:00Z'), Date.parse('2026-12-14T00:00:00Z'))).toHaveLength(3);
  });
});
