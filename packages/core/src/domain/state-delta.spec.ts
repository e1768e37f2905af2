import { describe, expect, it } from 'vitest';
import { applyDelta, deltaSize, emptyDelta, shouldFold, withChange } from './state-delta';
import { emptyState, type Claim, type State } from './state';

const claim = (holder: string, glob: string, expiresAt = '2999-01-01T00:00:00.000Z'): Claim => ({
  holder,
  glob,
  mode: 'exclusive',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt,
});
const key = (c: Claim) => `${c.holder}\0${c.glob}`;

describe('applyDelta', () => {
  const [a, b, c] = [claim('a', 'x'), claim('b', 'y'), claim('c', 'z')];
  const base: State = { ...emptyState(), claims: [a, b, c] };

  it('replaces entries in place, removes the ones set to null and adds new ones after the rest', () => {
    const renewed = { ...b, expiresAt: '3000-01-01T00:00:00.000Z' };
    const d = claim('d', 'w');
    const state = applyDelta(base, { sessions: {}, claims: { [key(d)]: d, [key(a)]: null, [key(b)]: renewed } });
    expect(state.claims).toEqual([renewed, c, d]);
  });

  it('leaves the base as it is for an empty delta, and ignores removals of entries it lacks', () => {
    expect(applyDelta(base, emptyDelta())).toBe(base);
    expect(applyDelta(base, { sessions: { gone: null }, claims: { [key(claim('q', 'q'))]: null } })).toEqual(base);
  });
});

describe('withChange', () => {
  it('lets a later change of an entry override an earlier one, keeping the rest', () => {
    const a = claim('a', 'x');
    const first = withChange(emptyDelta(), { sessions: {}, claims: { [key(a)]: a, k: null } });
    const second = withChange(first, { sessions: {}, claims: { [key(a)]: null } });
    expect(second.claims).toEqual({ [key(a)]: null, k: null });
    expect(first.claims[key(a)]).toBe(a);
    expect(deltaSize(second)).toBe(2);
  });
});

describe('shouldFold', () => {
  const delta = (n: number) => ({ sessions: {}, claims: Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, null])) });

  it('folds past a sixty-fourth of the base, and never at 64 entries or fewer', () => {
    expect(shouldFold(delta(64), 10)).toBe(false);
    expect(shouldFold(delta(65), 10)).toBe(true);
    expect(shouldFold(delta(156), 10_000)).toBe(false);
    expect(shouldFold(delta(157), 10_000)).toBe(true);
  });
});
