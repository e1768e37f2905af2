import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s', 93_784_000],
    ['0h5m', 300_000],
    [45, 45_000],
  ])('reads %j', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });

  it.each(['', '90', '0s', '0h0m', '1.5h', '2 h', '30m1h', '1h1h', '-5m', '5w', 'h', 0, -1, 1.5, null, undefined, true])(
    'refuses %j',
    (value) => {
      expect(() => parseDuration(value)).toThrow(/^Invalid duration .*: expected a positive number of seconds or a string/);
    },
  );
});

describe('the maximum duration', () => {
  it('takes 24d, the longest a timer can wait', () => {
    expect(parseDuration('24d')).toBe(24 * 86_400_000);
    expect(parseDuration(24 * 86_400)).toBe(24 * 86_400_000);
  });

  it.each(['24d1s', '99999999999d', 99_999_999_999])('refuses %j by name, before it can become an invalid date', (value) => {
    expect(() => parseDuration(value)).toThrow(/is longer than the maximum, 24d/);
  });
});
