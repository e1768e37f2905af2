/**
 * Three-way merge of AgentTracker.md for the git merge driver: managed regions
 * entry by entry, prose by git's own line merge. Entries are self-contained with
 * stable ids, so two branches that each added notes or handoffs never conflict;
 * only prose that both sides changed in the same place can.
 */
import { addEntry } from './model';
import { parseTracker } from './parse';
import { renderTracker } from './render';
import type { Region, TrackerDoc, TrackerEntry } from './types';

/** Merges three texts line by line (git merge-file); `conflicts` is the number of conflict hunks. */
export type TextMerge = (base: string, ours: string, theirs: string) => Promise<{ text: string; conflicts: number }>;

export interface TrackerMerge {
  text: string;
  /** Conflict hunks left in the prose; 0 means a clean merge. */
  conflicts: number;
}

type EntryRegion = Extract<Region, { entries: unknown }>;
const hasEntries = (block: string | Region): block is EntryRegion => typeof block !== 'string' && 'entries' in block;

function entriesById(doc: TrackerDoc | undefined): Map<string, TrackerEntry> {
  const map = new Map<string, TrackerEntry>();
  for (const block of doc?.blocks ?? []) if (hasEntries(block)) for (const entry of block.entries) map.set(entry.id, entry);
  return map;
}

const sameEntry = (a: TrackerEntry, b: TrackerEntry) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The merged entries: an entry on both sides is kept once (the later edit wins);
 * one added on one side is kept; one removed on one side and unchanged on the
 * other stays removed.
 */
export function mergeEntries(base: TrackerDoc | undefined, ours: TrackerDoc, theirs: TrackerDoc): TrackerEntry[] {
  const [o, a, b] = [entriesById(base), entriesById(ours), entriesById(theirs)];
  const merged: TrackerEntry[] = [];
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    const [mine, their, original] = [a.get(id), b.get(id), o.get(id)];
    if (mine && their) merged.push(Date.parse(their.updatedAt) > Date.parse(mine.updatedAt) ? their : mine);
    else {
      const kept = (mine ?? their)!;
      // Present on one side only: added there, or removed on the other; a removal wins unless the keeper edited it.
      if (!original || !sameEntry(original, kept)) merged.push(kept);
    }
  }
  return merged.sort((x, y) => Date.parse(x.at) - Date.parse(y.at) || x.id.localeCompare(y.id));
}

/** The document with every region emptied: what is left is prose and markers, for the line merge. */
function skeleton(doc: TrackerDoc): string {
  const emptied = doc.blocks.map((block) =>
    typeof block === 'string' ? block : ({ ...block, source: undefined, ...('rows' in block ? { rows: [] } : { entries: [] }) } as Region),
  );
  return renderTracker({ ...doc, blocks: emptied });
}

/** Merges three versions of the tracker; a side that does not parse throws TrackerError (the caller falls back). */
export async function mergeTrackers(base: string, ours: string, theirs: string, mergeText: TextMerge): Promise<TrackerMerge> {
  const baseDoc = base.trim() === '' ? undefined : parseTracker(base);
  const [oursDoc, theirsDoc] = [parseTracker(ours), parseTracker(theirs)];
  const prose = await mergeText(baseDoc ? skeleton(baseDoc) : '', skeleton(oursDoc), skeleton(theirsDoc));
  let doc: TrackerDoc;
  try {
    doc = parseTracker(prose.text);
  } catch {
    // Conflict markers cut through a region's markers: keep our prose so no entry is lost;
    // the conflict count still makes git stop for a person to look.
    doc = { ...oursDoc, blocks: [...oursDoc.blocks] };
  }
  fill(doc, oursDoc, mergeEntries(baseDoc, oursDoc, theirsDoc));
  return { text: renderTracker(doc), conflicts: prose.conflicts };
}

/**
 * Puts the merged entries into their regions (creating any that are missing).
 * Snapshots (sessions, claims) are ours: the next write regenerates them from
 * the store anyway.
 */
function fill(doc: TrackerDoc, ours: TrackerDoc, merged: TrackerEntry[]): void {
  doc.blocks = doc.blocks.map((block) => {
    if (typeof block === 'string') return block;
    if (hasEntries(block)) return { ...block, source: undefined, entries: [] } as Region;
    const mine = ours.blocks.find((b): b is Region => typeof b !== 'string' && b.name === block.name);
    return mine && 'rows' in mine ? ({ ...block, source: undefined, rows: mine.rows } as Region) : block;
  });
  for (const entry of merged) addEntry(doc, entry);
}
