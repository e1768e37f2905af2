export {
  REGION_NAMES,
  addEntry,
  claims,
  createTrackerText,
  entries,
  newEntryId,
  parseTracker,
  removeEntry,
  renderTracker,
  sessions,
  setClaims,
  setSessions,
  upsertEntry,
} from './model';
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
} from './model';
export { TRACKER_FILE } from './constants';
export { mergeEntries, mergeTrackers } from './merge';
export type { TextMerge, TrackerMerge } from './merge';
