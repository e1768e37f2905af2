export { addEntry, claims, entries, newEntryId, removeEntry, sessions, setClaims, setSessions, upsertEntry } from './model';
export { parseTracker } from './parse';
export { renderTracker } from './render';
export { createTrackerText } from './template';
export { REGION_NAMES } from './types';
export type {
  ClaimRow,
  EntryKind,
  EntryOf,
  HandoffEntry,
  NextEntry,
  NoteEntry,
  Region,
  RegionName,
  SessionRow,
  TrackerDoc,
  TrackerEntry,
} from './types';
export { TRACKER_FILE } from './constants';
export { mergeEntries, mergeTrackers } from './merge';
export type { TextMerge, TrackerMerge } from './merge';
