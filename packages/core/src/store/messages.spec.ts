import { describe, expect, it } from 'vitest';
import { parseStoreMessage, storeMessage, type StoreMessage } from './messages';

const writes: StoreMessage[] = [
  { action: 'start', agent: 'claude', session: 's-1', tier: 2, goal: 'fix the login: (tier 3) too', globs: ['src/**', 'docs/**'] },
  { action: 'start', agent: 'claude', session: 's-2', tier: 1, goal: 'no claims', globs: [] },
  { action: 'claim', agent: 'bob', globs: ['a', 'b/**'], mode: 'exclusive', session: 's-3' },
  { action: 'claim', agent: 'bob', globs: ['lib/**'], mode: 'shared' },
  { action: 'release', agent: 'bob', globs: ['a', 'b/**'] },
  { action: 'end', agent: 'codex', session: 's-4', summary: 'done: all green' },
  { action: 'renew', agent: 'codex', ttl: '2h' },
  { action: 'note', agent: 'codex' },
  { action: 'edit', agent: 'claude-1a2b3c4d', globs: ['src/a.ts', 'src/b.ts'], ttl: '2h' },
  { action: 'edit', agent: 'claude-1a2b3c4d', globs: ['src/a.ts'] },
  { action: 'edit', agent: 'claude-1a2b3c4d', globs: [], ttl: '2h' },
];

describe('store messages', () => {
  it.each(writes.map((w) => [storeMessage(w).split('\n')[0], w] as const))('reads back %j', (_, write) => {
    expect(parseStoreMessage(storeMessage(write))).toEqual(write);
  });

  it('keeps the wording git log shows', () => {
    expect(storeMessage(writes[0])).toBe('start: claude starts s-1 (tier 2): fix the login: (tier 3) too\n\nclaims src/**, docs/**');
    expect(storeMessage(writes[2])).toBe('claim: bob claims a, b/** (exclusive, session s-3)');
    expect(storeMessage(writes[6])).toBe('renew: codex commits, its leases run 2h from now');
    expect(storeMessage(writes[8])).toBe('edit: claude-1a2b3c4d claims src/a.ts, src/b.ts on its first edit; its leases run 2h from now');
    expect(storeMessage(writes[10])).toBe('edit: claude-1a2b3c4d edits; its leases run 2h from now');
  });

  it('reads a message it did not write as nothing', () => {
    expect(parseStoreMessage('repair: state rebuilt by hand')).toBeUndefined();
  });
});
