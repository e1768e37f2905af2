import { describe, expect, it } from 'vitest';
import {
  sameAgent,
  applyClaims,
  blockedPaths,
  changeOf,
  emptyState,
  pruneExpired,
  rebaseChange,
  releaseClaims,
  renewLeases,
  type Claim,
  type ClaimRequest,
  type Session,
  type State,
} from './state';
import { at, claimOf, HOUR, NOW, sessionOf } from './state.fixtures';


const stateOf = (claims: Claim[], sessions: Session[] = []): State => ({ ...emptyState(), claims, sessions });

const request = (agent: string, globs: string[], extra: Partial<ClaimRequest> = {}): ClaimRequest => ({
  agent,
  globs,
  mode: 'exclusive',
  ttlMs: 2 * HOUR,
  ...extra,
});

describe('applyClaims', () => {
  it('adds the claims with the lease from now and the session', () => {
    const { state, conflicts } = applyClaims(emptyState(), request('alice', ['src/**', 'docs'], { session: 's-1' }), NOW);
    expect(conflicts).toEqual([]);
    expect(state.claims).toEqual([
      { holder: 'alice', glob: 'src/**', mode: 'exclusive', session: 's-1', createdAt: NOW.toISOString(), expiresAt: at(2 * HOUR) },
      { holder: 'alice', glob: 'docs', mode: 'exclusive', session: 's-1', createdAt: NOW.toISOString(), expiresAt: at(2 * HOUR) },
    ]);
  });

  it('renews a glob the agent holds, keeping when it was first claimed and not duplicating it', () => {
    const before = stateOf([claimOf('alice', 'src'), claimOf('bob', 'docs')]);
    const { state } = applyClaims(before, request('alice', ['src']), NOW);
    expect(state.claims).toEqual([claimOf('bob', 'docs'), claimOf('alice', 'src', { expiresAt: at(2 * HOUR) })]);
  });

  it('refuses all or nothing, naming holder, glob, expiry and goal, and leaves the state as it was', () => {
    const before = stateOf([claimOf('bob', 'lib/**', { session: 's-bob' })], [sessionOf('bob')]);
    const { state, conflicts } = applyClaims(before, request('alice', ['src/a.ts', 'lib/x/y.ts']), NOW);
    expect(state).toBe(before);
    expect(conflicts).toEqual([
      { requested: 'lib/x/y.ts', holder: 'bob', glob: 'lib/**', expiresAt: at(HOUR), session: 's-bob', goal: "bob's goal" },
    ]);
  });

  it('lets shared claims share, and refuses exclusive against shared both ways', () => {
    const shared = stateOf([claimOf('bob', 'package.json', { mode: 'shared' })]);
    expect(applyClaims(shared, request('alice', ['package.json'], { mode: 'shared' }), NOW).conflicts).toEqual([]);
    expect(applyClaims(shared, request('alice', ['package.json']), NOW).conflicts).toHaveLength(1);
    const exclusive = stateOf([claimOf('bob', 'package.json')]);
    expect(applyClaims(exclusive, request('alice', ['package.json'], { mode: 'shared' }), NOW).conflicts).toHaveLength(1);
  });

  it('ignores the agent\'s own claims, expired claims and globs that cannot overlap', () => {
    const before = stateOf([claimOf('alice', 'src/**'), claimOf('bob', 'lib', { expiresAt: at(-1) }), claimOf('carol', 'src2/**')]);
    expect(applyClaims(before, request('alice', ['src/a.ts', 'lib/x.ts', 'src3']), NOW).conflicts).toEqual([]);
  });

  it('detects overlap between two globs, not just a glob and a path', () => {
    const before = stateOf([claimOf('bob', 'src/**/*.ts')]);
    expect(applyClaims(before, request('alice', ['src/api']), NOW).conflicts).toHaveLength(1);
    expect(applyClaims(before, request('alice', ['src/**/*.md']), NOW).conflicts).toEqual([]);
  });
});

describe('releaseClaims', () => {
  const before = stateOf([claimOf('alice', 'a'), claimOf('alice', 'b'), claimOf('bob', 'a')]);

  it('releases the given globs of the agent only', () => {
    const { state, released } = releaseClaims(before, 'alice', ['a', 'zzz']);
    expect(released).toEqual([claimOf('alice', 'a')]);
    expect(state.claims).toEqual([claimOf('alice', 'b'), claimOf('bob', 'a')]);
  });

  it('releases everything the agent holds without globs', () => {
    const { state, released } = releaseClaims(before, 'alice', undefined);
    expect(released.map((c) => c.glob)).toEqual(['a', 'b']);
    expect(state.claims).toEqual([claimOf('bob', 'a')]);
  });

  it('releases nothing for an agent holding nothing', () => {
    expect(releaseClaims(before, 'carol', undefined)).toEqual({ state: before, released: [] });
  });
});

describe('renewLeases', () => {
  it("extends the agent's claims and session from now, and nobody else's", () => {
    const before = stateOf([claimOf('alice', 'a'), claimOf('bob', 'b')], [sessionOf('alice'), sessionOf('bob')]);
    const after = renewLeases(before, 'alice', 3 * HOUR, NOW);
    expect(after.claims).toEqual([claimOf('alice', 'a', { expiresAt: at(3 * HOUR) }), claimOf('bob', 'b')]);
    expect(after.sessions).toEqual([sessionOf('alice', 2, { expiresAt: at(3 * HOUR) }), sessionOf('bob')]);
    expect(before.claims[0].expiresAt).toBe(at(HOUR));
  });
});

describe('pruneExpired', () => {
  it('drops claims and sessions whose lease ran out, a lease ending now included', () => {
    const before = stateOf(
      [claimOf('alice', 'a', { expiresAt: at(-1) }), claimOf('bob', 'b', { expiresAt: at(0) }), claimOf('carol', 'c', { expiresAt: at(1) })],
      [sessionOf('alice', 2, { expiresAt: at(-HOUR) }), sessionOf('carol')],
    );
    const after = pruneExpired(before, NOW);
    expect(after.claims.map((c) => c.holder)).toEqual(['carol']);
    expect(after.sessions.map((s) => s.agent)).toEqual(['carol']);
  });

  it('reads a lease written in another form of ISO time by its instant, not its text', () => {
    // 23:59 at +23:00 is 00:59Z (NOW is noon): as text it sorts after NOW, as a time before it.
    const earlier = '2026-11-25T23:59:00.000+23:00';
    const later = '2026-11-25T13:00:00Z';
    const after = pruneExpired(stateOf([claimOf('alice', 'a', { expiresAt: earlier }), claimOf('bob', 'b', { expiresAt: later })]), NOW);
    expect(Date.parse(earlier)).toBeLessThan(NOW.getTime());
    expect(after.claims.map((c) => c.holder)).toEqual(['bob']);
  });
});

describe('blockedPaths', () => {
  const state = stateOf(
    [
      claimOf('bob', 'src', { session: 's-bob' }),
      claimOf('bob', 'shared.json', { mode: 'shared' }),
      claimOf('carol', 'docs/**/*.md', { expiresAt: at(-1) }),
      claimOf('alice', 'mine/**'),
    ],
    [sessionOf('bob')],
  );

  it("reports paths under other agents' live exclusive claims", () => {
    expect(blockedPaths(state, 'alice', ['src/a/b.ts', 'srcx/a.ts', 'shared.json', 'docs/a.md', 'mine/x'], NOW)).toEqual([
      { path: 'src/a/b.ts', claim: { requested: 'src/a/b.ts', holder: 'bob', glob: 'src', expiresAt: at(HOUR), session: 's-bob', goal: "bob's goal" } },
    ]);
  });

  it('counts every claim for a person without an agent id, and none of the holder\'s own', () => {
    expect(blockedPaths(state, undefined, ['mine/x', 'src/y'], NOW).map((b) => b.path)).toEqual(['mine/x', 'src/y']);
    expect(blockedPaths(state, 'bob', ['src/y'], NOW)).toEqual([]);
  });

  it('scales to many paths and claims', () => {
    const many = stateOf(Array.from({ length: 2000 }, (_, i) => claimOf(`a${i % 7}`, `pkg${i}/**`)));
    const paths = Array.from({ length: 5000 }, (_, i) => `pkg${i}/src/index.ts`);
    const blocked = blockedPaths(many, 'a0', paths, NOW);
    expect(blocked).toHaveLength(2000 - Math.ceil(2000 / 7));
  });
});

describe('changeOf and rebaseChange', () => {
  const claimed = (state: State, agent: string, glob: string) => applyClaims(state, request(agent, [glob]), NOW).state;

  it('records only what the write changed, and what its agent held', () => {
    const base = stateOf([claimOf('alice', 'docs'), claimOf('bob', 'src')], [sessionOf('alice')]);
    const change = changeOf(base, claimed(base, 'alice', 'lib'), 'alice');
    expect(Object.keys(change?.claims ?? {})).toEqual(['alice\0lib']);
    expect(change?.before).toEqual({ sessions: { 's-alice': sessionOf('alice') }, claims: { 'alice\0docs': claimOf('alice', 'docs'), 'alice\0lib': null } });
    expect(changeOf(base, { ...base, claims: [...base.claims] }, 'alice')).toMatchObject({ sessions: {}, claims: {} });
  });

  it('applies a change onto a state other agents moved on since', () => {
    const base = stateOf([claimOf('bob', 'src')]);
    const change = changeOf(base, claimed(base, 'alice', 'docs'), 'alice')!;
    const current = claimed(releaseClaims(base, 'bob', undefined).state, 'carol', 'lib');
    expect(rebaseChange(current, change, NOW)?.claims.map((c) => `${c.holder} ${c.glob}`)).toEqual(['carol lib', 'alice docs']);
  });

  it('sends a change back when another agent claimed an overlapping glob since, or its own agent wrote meanwhile', () => {
    const base = emptyState();
    const change = changeOf(base, claimed(base, 'alice', 'src/**'), 'alice')!;
    expect(rebaseChange(claimed(base, 'bob', 'src/api.ts'), change, NOW)).toBeUndefined();
    expect(rebaseChange(claimed(base, 'alice', 'docs'), change, NOW)).toBeUndefined();
    expect(rebaseChange(stateOf([], [sessionOf('alice')]), change, NOW)).toBeUndefined();
  });

  it('sends back a release whose claim changed since, and applies one already applied', () => {
    const base = stateOf([claimOf('alice', 'src')]);
    const change = changeOf(base, releaseClaims(base, 'alice', undefined).state, 'alice')!;
    expect(rebaseChange(stateOf([claimOf('alice', 'src', { expiresAt: at(3 * HOUR) })]), change, NOW)).toBeUndefined();
    expect(rebaseChange(emptyState(), change, NOW)).toEqual(emptyState());
  });

  it('sends back a new session when the same agent started another meanwhile', () => {
    const base = emptyState();
    const change = changeOf(base, stateOf([], [sessionOf('alice', 2, { id: 's-2' })]), 'alice')!;
    expect(rebaseChange(stateOf([], [sessionOf('alice')]), change, NOW)).toBeUndefined();
  });
});

describe('sameAgent', () => {
  it("counts an agent tool's bare name and its instances as one agent, and instances of a tool apart", () => {
    expect(sameAgent('gemini', 'gemini-1a2b3c4d')).toBe(true);
    expect(sameAgent('gemini-1a2b3c4d', 'gemini')).toBe(true);
    expect(sameAgent('gemini-1a2b3c4d', 'gemini-99999999')).toBe(false);
    expect(sameAgent('alice', 'gemini-1a2b3c4d')).toBe(false);
    expect(sameAgent('gemini', undefined)).toBe(false);
  });
});
