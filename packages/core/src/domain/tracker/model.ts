/**
 * AgentTracker.md as data. The file is free markdown; the tool owns only the
 * regions between `<!-- agentsync:begin NAME -->` and `<!-- agentsync:end NAME -->`.
 * Everything else is kept verbatim. Pure: no I/O. This module queries and
 * changes a parsed document; types.ts, parse.ts, render.ts and template.ts hold the rest.
 */
import { randomBytes } from 'node:crypto';
import {
  HEADINGS,
  REGION_OF_KIND,
  type ClaimRow,
  type EntryKind,
  type EntryOf,
  type EntryRegionName,
  type RegionName,
  type RegionOf,
  type SessionRow,
  type TrackerDoc,
  type TrackerEntry,
} from './types';

const ID_PREFIX: Record<EntryKind, string> = { note: 'n-', next: 'x-', handoff: 'h-' };

/** A new entry id: the kind's prefix (n-, x-, h-) and 8 random base36 characters. */
export function newEntryId(kind: EntryKind): string {
  return ID_PREFIX[kind] + Array.from(randomBytes(8), (byte) => (byte % 36).toString(36)).join('');
}

/** The entries of one kind, in document order (a copy of the list). */
export function entries<K extends EntryKind>(doc: TrackerDoc, kind: K): EntryOf<K>[] {
  const region: { entries: TrackerEntry[] } | undefined = findRegion(doc, REGION_OF_KIND[kind] as EntryRegionName);
  return [...(region?.entries ?? [])] as EntryOf<K>[];
}

/** Appends an entry to its region, creating the region at the end of the document if missing. */
export function addEntry(doc: TrackerDoc, entry: TrackerEntry): void {
  const list = entryList(doc, entry.kind);
  if (list.some((e) => e.id === entry.id)) throw new Error(`Tracker entry ${entry.id} already exists.`);
  list.push(entry);
}

/** Replaces the entry with the same id in place, or appends it when there is none. */
export function upsertEntry(doc: TrackerDoc, entry: TrackerEntry): void {
  const list = entryList(doc, entry.kind);
  const index = list.findIndex((e) => e.id === entry.id);
  if (index >= 0) list[index] = entry;
  else list.push(entry);
}

/** Removes the entry with this id (e.g. suggested next work that is done); false when there is none. */
export function removeEntry(doc: TrackerDoc, id: string): boolean {
  for (const block of doc.blocks) {
    if (typeof block === 'string' || !('entries' in block)) continue;
    const list: TrackerEntry[] = block.entries;
    const index = list.findIndex((e) => e.id === id);
    if (index >= 0) {
      list.splice(index, 1);
      return true;
    }
  }
  return false;
}

/** The active-sessions snapshot, as last written. */
export function sessions(doc: TrackerDoc): SessionRow[] {
  return [...(findRegion(doc, 'sessions')?.rows ?? [])];
}

/** The claims snapshot, as last written. */
export function claims(doc: TrackerDoc): ClaimRow[] {
  return [...(findRegion(doc, 'claims')?.rows ?? [])];
}

/** Replaces the active-sessions snapshot. */
export function setSessions(doc: TrackerDoc, rows: readonly SessionRow[]): void {
  ensureRegion(doc, 'sessions').rows = [...rows];
}

/** Replaces the claims snapshot. */
export function setClaims(doc: TrackerDoc, rows: readonly ClaimRow[]): void {
  ensureRegion(doc, 'claims').rows = [...rows];
}

function entryList(doc: TrackerDoc, kind: EntryKind): TrackerEntry[] {
  return ensureRegion(doc, REGION_OF_KIND[kind]).entries;
}

/** A region with no rows or entries. */
export function emptyRegion<N extends RegionName>(name: N): RegionOf<N> {
  return (name === 'sessions' || name === 'claims' ? { name, rows: [] } : { name, entries: [] }) as unknown as RegionOf<N>;
}

function findRegion<N extends RegionName>(doc: TrackerDoc, name: N): RegionOf<N> | undefined {
  return doc.blocks.find((b): b is RegionOf<N> => typeof b !== 'string' && b.name === name);
}

/** Finds the region, or appends it with a heading after all existing text. */
function ensureRegion<N extends RegionName>(doc: TrackerDoc, name: N): RegionOf<N> {
  const found = findRegion(doc, name);
  if (found) return found;
  const region = emptyRegion(name);
  const { eol } = doc;
  const last = doc.blocks.length - 1;
  const tail = doc.blocks[last];
  const before = typeof tail === 'string' ? tail : '';
  const separator = before === '' ? '' : before.endsWith('\n') ? eol : eol + eol;
  const heading = `${separator}## ${HEADINGS[name]}${eol}${eol}`;
  if (typeof tail === 'string') doc.blocks[last] = before + heading;
  else doc.blocks.push(heading);
  doc.blocks.push(region, eol);
  return region;
}
