/**
 * Hot-file suggestions for a new `.agentsync.json`: the paths changed in the largest
 * share of recent commits are where agents' edits collide, so init seeds them as
 * size limits (never as claim requirements, which would block work). Only a real
 * history says anything, so a young repository gets none.
 */
import { execFileSync } from 'node:child_process';
import { DEFAULT_HOT_FILE_MAX_CHANGED_LINES } from '@agentsync/core/config';

export const MIN_COMMITS = 20;
const HISTORY_DEPTH = 200;
const MAX_SUGGESTIONS = 5;
/** Generated files change with every dependency bump; a size limit on them would only block installs. */
const NEVER_HOT = /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|AgentTracker\.md)$/;
/** Core reads hot-file paths as globs in which a backslash escapes the next character (see core's globs.ts). */
const GLOB_SYNTAX = /[\\*?[\]{}()!+@|"]/g;

export interface HotFileSuggestion {
  path: string;
  maxChangedLines: number;
}

/** The paths each of the last non-merge commits changed, newest first; [] where git has no history here. */
export function recentChanges(root: string, depth = HISTORY_DEPTH): string[][] {
  let out: string;
  try {
    // Names are NUL-terminated and each commit starts with \x01\0, so any path name parses.
    out = execFileSync('git', ['log', `-n${depth}`, '--no-merges', '--name-only', '-z', '--format=%x01'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return []; // Not a git repository, or no commit yet: nothing to learn from.
  }
  return out
    .split('\x01\0')
    .slice(1)
    .map((commit) => commit.replace(/^\n/, '').split('\0').filter(Boolean));
}

/**
 * Up to five paths that still exist and changed in at least a tenth (and at least five) of
 * `commits`, most changed first; none when there are fewer than {@link MIN_COMMITS} commits.
 */
export function suggestHotFiles(commits: readonly string[][], exists: (path: string) => boolean): HotFileSuggestion[] {
  if (commits.length < MIN_COMMITS) return [];
  const counts = new Map<string, number>();
  for (const paths of commits) for (const path of new Set(paths)) counts.set(path, (counts.get(path) ?? 0) + 1);
  const threshold = Math.max(5, Math.ceil(commits.length / 10));
  return [...counts]
    .filter(([path, count]) => count >= threshold && !NEVER_HOT.test(path) && exists(path))
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, MAX_SUGGESTIONS)
    .map(([path]) => ({ path: path.replace(GLOB_SYNTAX, '\\$&'), maxChangedLines: DEFAULT_HOT_FILE_MAX_CHANGED_LINES }));
}
