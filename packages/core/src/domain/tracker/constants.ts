/** The tracker's file name, at the root of each worktree; its own module so hot paths need not load the writer. */
export const TRACKER_FILE = 'AgentTracker.md';
