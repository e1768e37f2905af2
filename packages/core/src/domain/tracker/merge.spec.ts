import { describe, expect, it } from 'vitest';
import { mergeEntries, mergeTrackers, type TextMerge } from './merge';
import { addEntry, createTrackerText, entries, parseTracker, removeEntry, renderTracker, upsertEntry, type NoteEntry } from '.';

const note = (id: string, at: string, text: string, updatedAt = at): NoteEntry => ({ kind: 'note', id, at, updatedAt, agent: 'a', text });
const doc = (...notes: NoteEntry[]) => {
  const d = parseTracker(createTrackerText());
  for (const n of notes) addEntry(d, n);
  return d;
};
const ids = (list: { id: string }[]) => list.map((e) => e.id);
/** A stand-in for git merge-file that accepts either side when only one changed. */
const takeChanged: TextMerge = async (base, ours, theirs) => ({ text: ours === base ? theirs : ours, conflicts: 0 });

describe('mergeEntries', () => {
  const n1 = note('n-1', '2026-01-01T00:00:00Z', 'one');
  const n2 = note('n-2', '2026-01-02T00:00:00Z', 'two');
  const n3 = note('n-3', '2026-01-03T00:00:00Z', 'three');

  it('keeps entries added on either side, ordered by time', () => {
    expect(ids(mergeEntries(doc(n1), doc(n1, n3), doc(n1, n2)))).toEqual(['n-1', 'n-2', 'n-3']);
  });

  it('keeps an entry edited on both sides once, with the later edit', () => {
    const ours = note('n-1', n1.at, 'ours', '2026-02-01T00:00:00Z');
    const theirs = note('n-1', n1.at, 'theirs', '2026-03-01T00:00:00Z');
    const merged = mergeEntries(doc(n1), doc(ours), doc(theirs));
    expect(merged).toEqual([theirs]);
  });

  it('lets a removal on one side stand when the other side left the entry alone', () => {
    expect(ids(mergeEntries(doc(n1, n2), doc(n2), doc(n1, n2)))).toEqual(['n-2']);
  });

  it('keeps an entry removed on one side but edited on the other', () => {
    const edited = note('n-1', n1.at, 'edited', '2026-02-01T00:00:00Z');
    expect(mergeEntries(doc(n1), doc(), doc(edited))).toEqual([edited]);
  });

  it('treats an absent base (both sides added the file) as all additions', () => {
    expect(ids(mergeEntries(undefined, doc(n1), doc(n2)))).toEqual(['n-1', 'n-2']);
  });
});

describe('mergeTrackers', () => {
  it('puts the merged entries back into the regions and keeps prose', async () => {
    const base = renderTracker(doc());
    const oursDoc = doc(note('n-a', '2026-01-01T00:00:00Z', 'from ours'));
    const theirsDoc = doc(note('n-b', '2026-01-02T00:00:00Z', 'from theirs'));
    const result = await mergeTrackers(base, renderTracker(oursDoc), renderTracker(theirsDoc), takeChanged);
    expect(result.conflicts).toBe(0);
    expect(ids(entries(parseTracker(result.text), 'note'))).toEqual(['n-a', 'n-b']);
    expect(result.text.startsWith(base.slice(0, base.indexOf('<!--')))).toBe(true);
  });

  it('passes the conflict count through and still keeps every entry', async () => {
    const conflicting: TextMerge = async (_base, ours) => ({ text: ours, conflicts: 2 });
    const ours = doc(note('n-a', '2026-01-01T00:00:00Z', 'a'));
    const theirs = doc(note('n-b', '2026-01-02T00:00:00Z', 'b'));
    const result = await mergeTrackers(renderTracker(doc()), renderTracker(ours), renderTracker(theirs), conflicting);
    expect(result.conflicts).toBe(2);
    expect(ids(entries(parseTracker(result.text), 'note'))).toEqual(['n-a', 'n-b']);
  });

  it('does not resurrect suggested next work that one side marked done', async () => {
    const x = { kind: 'next' as const, id: 'x-1', at: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', agent: 'a', text: 'do it' };
    const base = doc();
    upsertEntry(base, x);
    const ours = parseTracker(renderTracker(base));
    removeEntry(ours, 'x-1');
    const result = await mergeTrackers(renderTracker(base), renderTracker(ours), renderTracker(base), takeChanged);
    expect(entries(parseTracker(result.text), 'next')).toEqual([]);
  });
});
