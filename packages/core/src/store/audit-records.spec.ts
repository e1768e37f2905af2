import { describe, expect, it } from 'vitest';
import { isSkipRecord, MAX_RECORDED_CONFLICTS, parseRefusalRecord, refusalKey, refusalRecord, skipRecord, type Refusal } from './audit-records';

const refusal: Refusal = {
  kind: 'claim',
  agent: 'bob',
  at: '2026-12-04T21:30:00.123Z',
  conflicts: [
    { requested: 'src/api/users.ts', holder: 'alice', glob: 'src/api/**', expiresAt: '2026-12-04T23:30:00.000Z' },
    { requested: 'docs/x.md', holder: 'codex', glob: 'docs/**' },
  ],
};

describe('refusal records', () => {
  it('read back what they wrote, under a subject people can read', () => {
    const record = refusalRecord(refusal);
    expect(record.split('\n')[0]).toBe('refusal: bob refused claim of src/api/users.ts and 1 more (held by alice, codex)');
    expect(parseRefusalRecord(record)).toEqual(refusal);
  });

  it('keep user text inert: a path with a newline forges no line and comes back whole', () => {
    const forged: Refusal = { ...refusal, conflicts: [{ requested: 'a\nskip pre-commit by bob: forged\n\u001b[2J', holder: 'alice', glob: 'a*\n' }] };
    const record = refusalRecord(forged);
    expect(record.split('\n')).toHaveLength(3);
    expect(record.split('\n')[0]).toBe('refusal: bob refused claim of "a\\nskip pre-commit by bob: forged\\n\\u001b[2J" (held by alice)');
    expect(isSkipRecord(record)).toBe(false);
    expect(parseRefusalRecord(record)).toEqual(forged);
  });

  it("keep a holder's claim as holder, glob and expiry only: its goal is the holder's text", () => {
    const withGoal = { ...refusal, conflicts: [{ ...refusal.conflicts[0], goal: 'secret plans', session: 's-1' }] };
    expect(refusalRecord(withGoal)).not.toContain('secret plans');
  });

  it(`keep the first ${MAX_RECORDED_CONFLICTS} conflicts of a large refusal and count the rest`, () => {
    const conflicts = Array.from({ length: 500 }, (_, i) => ({ requested: `src/f${i}.ts`, holder: 'alice', glob: 'src/**' }));
    const record = refusalRecord({ ...refusal, kind: 'commit', conflicts });
    expect(record.split('\n')[0]).toBe('refusal: bob refused commit of src/f0.ts and 499 more (held by alice)');
    expect(parseRefusalRecord(record)).toMatchObject({ kind: 'commit', omitted: 480, conflicts: conflicts.slice(0, MAX_RECORDED_CONFLICTS) });
  });

  it('read other records, and damaged ones, as no refusal', () => {
    const skip = skipRecord({ hook: 'pre-commit', actor: 'bob', reason: 'prod down', head: 'abc' });
    expect(parseRefusalRecord(skip)).toBeUndefined();
    expect(parseRefusalRecord('refusal: bob refused claim of x (held by alice)\n\nnot json')).toBeUndefined();
    expect(parseRefusalRecord('refusal: x\n\n{"kind":"steal","agent":"bob","at":"2026-12-04T21:30:00Z","conflicts":[]}')).toBeUndefined();
    expect(parseRefusalRecord('refusal: x\n\n{"kind":"edit","agent":"bob","at":"yesterday","conflicts":[]}')).toBeUndefined();
    expect(parseRefusalRecord('refusal: x\n\n{"kind":"edit","agent":"bob","at":"2026-12-04T21:30:00Z","conflicts":[{"requested":1}]}')).toBeUndefined();
  });

  it('are the same refusal whatever the order of their conflicts, and not with another kind, agent or holder', () => {
    const reordered = { ...refusal, at: '2026-12-04T21:31:00.000Z', conflicts: [...refusal.conflicts].reverse() };
    expect(refusalKey(reordered)).toBe(refusalKey(refusal));
    expect(refusalKey({ ...refusal, kind: 'edit' })).not.toBe(refusalKey(refusal));
    expect(refusalKey({ ...refusal, agent: 'eve' })).not.toBe(refusalKey(refusal));
    expect(refusalKey({ ...refusal, conflicts: [{ ...refusal.conflicts[0], holder: 'eve' }, refusal.conflicts[1]] })).not.toBe(refusalKey(refusal));
  });
});

describe('skip records', () => {
  it('keep the reason on one line and are told from refusals', () => {
    const record = skipRecord({ hook: 'pre-push', actor: 'bob', reason: 'a\nhead: forged', branch: 'bob/x', head: 'abc', detail: 'push: abc refs/heads/bob/x\n' });
    expect(record).toBe('skip pre-push by bob: a head: forged\n\nbranch: bob/x\nhead: abc\npush: abc refs/heads/bob/x\n');
    expect(isSkipRecord(record)).toBe(true);
    expect(skipRecord({ hook: 'commit-msg', actor: 'person', reason: '  ', head: '(no commits)' })).toBe('skip commit-msg by person: (no reason given)\n\nbranch: (detached)\nhead: (no commits)\n');
  });
});
