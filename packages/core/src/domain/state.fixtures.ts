/** Claims and sessions around a fixed clock, for the pure tests of state and policy. */
import type { Claim, Session } from './state';

export const NOW = new Date('2026-11-25T12:00:00.000Z');
export const HOUR = 3_600_000;
export const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

export const claimOf = (holder: string, glob: string, extra: Partial<Claim> = {}): Claim => ({
  holder,
  glob,
  mode: 'exclusive',
  createdAt: at(-HOUR),
  expiresAt: at(HOUR),
  ...extra,
});

export const sessionOf = (agent: string, tier = 2, extra: Partial<Session> = {}): Session => ({
  id: `s-${agent}`,
  agent,
  goal: `${agent}'s goal`,
  tier,
  worktree: '/repo',
  startedAt: at(-HOUR),
  expiresAt: at(HOUR),
  ...extra,
});
