/** Where the shared state lives: refs/agentsync/* (compare-and-swap with the remote) and AgentTracker.md on disk. */
export * from './store';
export * from './remote';
export { readStatesAt } from './state-files';
export { TRACKER_LOCK, readTracker, updateTracker, type UpdateTrackerOptions } from './tracker-file';
