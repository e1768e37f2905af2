import { describe, expect, it } from 'vitest';
import { summarizeRefusals, summarizeWaits, waitEpisodes, type RefusalFact, type StoreEventFact } from './contention';
import { percentile } from './stats';

const MIN = 60_000;
/** bob is refused on `requested`, which amy holds with `glob`, at minute `at`. */
const refused = (at: number, requested = 'src/a.ts', glob = 'src/**', expiresAt?: number, kind: RefusalFact['kind'] = 'claim'): RefusalFact => ({
  time: at * MIN,
  kind,
  agent: 'bob',
  conflicts: [{ requested, holder: 'amy', glob, ...(expiresAt !== undefined ? { expiresAt: expiresAt * MIN } : {}) }],
});
const write = (at: number, agent: string, action: StoreEventFact['action'], globs: string[] = []): StoreEventFact => ({ time: at * MIN, agent, action, globs });
const NOW = 1000 * MIN;

describe('waitEpisodes', () => {
  it("ends a wait at the refused agent's own claim covering the path, or its first edit of it", () => {
    expect(waitEpisodes([refused(10)], [write(5, 'bob', 'claim', ['src/a.ts']), write(25, 'bob', 'claim', ['src/*.ts'])], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN, end: 25 * MIN }]);
    expect(waitEpisodes([refused(10)], [write(12, 'bob', 'edit', ['src/a.ts'])], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN, end: 12 * MIN }]);
    // Another agent's claim, or bob's claim of something else, frees nothing for bob.
    expect(waitEpisodes([refused(10)], [write(12, 'eve', 'claim', ['src/a.ts']), write(13, 'bob', 'claim', ['lib/**'])], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN }]);
  });

  it("ends a wait when the holder releases the glob or ends its session, not when it releases something else", () => {
    expect(waitEpisodes([refused(10)], [write(15, 'amy', 'release', ['docs/**']), write(20, 'amy', 'release', ['src/**'])], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN, end: 20 * MIN }]);
    expect(waitEpisodes([refused(10)], [write(40, 'amy', 'end')], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN, end: 40 * MIN }]);
  });

  it("ends a wait when the holder's lease runs out unrenewed; a renewal, or a lease still running, leaves it open", () => {
    expect(waitEpisodes([refused(10, 'src/a.ts', 'src/**', 50)], [write(15, 'amy', 'release', ['docs/**']), write(70, 'eve', 'note')], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN, end: 50 * MIN }]);
    expect(waitEpisodes([refused(10, 'src/a.ts', 'src/**', 50)], [], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN, end: 50 * MIN }]);
    expect(waitEpisodes([refused(10, 'src/a.ts', 'src/**', 50)], [write(30, 'amy', 'renew')], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN }]);
    expect(waitEpisodes([refused(10, 'src/a.ts', 'src/**', 2000)], [], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN }]);
  });

  it('keeps refusals repeated before the paths were freed in one wait from the first, and starts a new one after', () => {
    const refusals = [refused(10), refused(12, 'src/a.ts', 'src/**', undefined, 'edit'), refused(30), refused(60)];
    const store = [write(40, 'amy', 'release', ['src/**']), write(50, 'amy', 'claim', ['src/**']), write(65, 'amy', 'end')];
    expect(waitEpisodes(refusals, store, NOW)).toEqual([
      { agent: 'bob', start: 10 * MIN, end: 40 * MIN },
      { agent: 'bob', start: 60 * MIN, end: 65 * MIN },
    ]);
  });

  it('ends a wait on several paths when the last of them is freed, and leaves it open while one is not', () => {
    const both: RefusalFact = { time: 10 * MIN, kind: 'commit', agent: 'bob', conflicts: [{ requested: 'a', holder: 'amy', glob: 'a' }, { requested: 'b', holder: 'eve', glob: 'b' }] };
    expect(waitEpisodes([both], [write(20, 'eve', 'release', ['b']), write(30, 'amy', 'release', ['a'])], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN, end: 30 * MIN }]);
    expect(waitEpisodes([both], [write(20, 'eve', 'release', ['b'])], NOW)).toEqual([{ agent: 'bob', start: 10 * MIN }]);
  });

  it('takes a store write in the same second as the refusal as after it (store times are whole seconds): a wait of 0', () => {
    const refusal = { ...refused(0), time: 10_500 };
    expect(waitEpisodes([refusal], [{ time: 10_000, agent: 'amy', action: 'release', globs: ['src/**'] }], NOW)).toEqual([{ agent: 'bob', start: 10_500, end: 10_500 }]);
  });
});

describe('summaries', () => {
  it('counts refusals by kind, and ended waits by median and nearest-rank p95', () => {
    expect(summarizeRefusals([refused(1), refused(2, 'x', 'x', undefined, 'edit'), refused(3, 'y', 'y', undefined, 'commit')])).toEqual({ count: 3, claim: 1, commit: 1, edit: 1 });
    const waits = [1, 2, 3, 4, 100].map((m) => ({ agent: 'bob', start: 0, end: m * MIN }));
    expect(summarizeWaits([...waits, { agent: 'bob', start: 0 }])).toEqual({ count: 5, open: 1, medianMinutes: 3, p95Minutes: 100 });
    expect(summarizeWaits([])).toEqual({ count: 0, open: 0, medianMinutes: null, p95Minutes: null });
    expect(percentile([5, 1, 3, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 0.95)).toBe(19);
  });
});
