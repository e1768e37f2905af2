/**
 * The git merge driver for AgentTracker.md (`merge=agentsync-tracker` in
 * .gitattributes): git calls it with the base, ours and theirs files and takes
 * ours as the result. Registered per clone by `agentsync setup`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, tryGit } from '../git/git';
import { fileProblem, GitError, TrackerError, UsageError } from '../errors';
import { mergeTrackers, type TextMerge } from '../domain/tracker/merge';

const MERGE_DRIVER = 'agentsync-tracker';
/**
 * What git runs (through sh, from the worktree's top). Git config is shared by
 * every worktree of a clone, and a worktree may have no install, so the CLI is
 * looked for as the hooks look for it: this worktree's node_modules, the main
 * worktree's, then PATH (a global install, a repo without Node). Only where
 * there is none does git's own line merge run, so the other side's entries show
 * as a conflict, never vanish.
 */
export const MERGE_DRIVER_COMMAND =
  'a=node_modules/.bin/agentsync; [ -x "$a" ] || a="$(git rev-parse --path-format=absolute --git-common-dir)/../node_modules/.bin/agentsync"; ' +
  '[ -x "$a" ] || a=$(command -v agentsync) || a=; ' +
  'if [ -n "$a" ]; then "$a" merge-tracker %O %A %B; else git merge-file -L ours -L base -L theirs %A %O %B; fi';

/** `git merge-file` on three texts: the merged text and how many conflict hunks it has. */
function gitMergeText(cwd: string): TextMerge {
  return async (base, ours, theirs) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentsync-merge-'));
    try {
      const files = ['ours', 'base', 'theirs'].map((name) => join(dir, name));
      [ours, base, theirs].forEach((text, i) => writeFileSync(files[i], text));
      const labels = ['ours', 'base', 'theirs'].flatMap((label) => ['-L', label]);
      try {
        return { text: await git(['merge-file', '-p', ...labels, ...files], { cwd }), conflicts: 0 };
      } catch (error) {
        // merge-file exits with the number of conflicts (1..127); negative means it failed.
        if (error instanceof GitError && error.gitExitCode !== null && error.gitExitCode > 0 && error.gitExitCode < 128) {
          return { text: error.stdout, conflicts: error.gitExitCode };
        }
        throw error;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Merges the tracker files git hands the driver and writes the result over
 * `oursPath`; returns the number of conflicts (0: clean). A side that does not
 * parse falls back to git's plain line merge, so nothing is lost.
 */
export async function runTrackerMergeDriver(cwd: string, basePath: string, oursPath: string, theirsPath: string): Promise<number> {
  const [base, ours, theirs] = [basePath, oursPath, theirsPath].map((path, i) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`merge-tracker: the ${['BASE', 'OURS', 'THEIRS'][i]} file ${path} ${fileProblem(error)}.`, {
        where: path,
        hint: 'git runs the merge driver with three temporary files (%O %A %B); run it by hand only with three existing files.',
      });
    }
  });
  const mergeText = gitMergeText(cwd);
  let result;
  try {
    result = await mergeTrackers(base, ours, theirs, mergeText);
  } catch (error) {
    if (!(error instanceof TrackerError)) throw error;
    result = await mergeText(base, ours, theirs);
  }
  writeFileSync(oursPath, result.text);
  return result.conflicts;
}

/** Registers the merge driver in this clone's git config; idempotent. Returns false outside a git repository. */
export async function registerMergeDriver(cwd: string): Promise<boolean> {
  if (!existsSync(cwd) || (await tryGit(['rev-parse', '--git-dir'], { cwd })) === undefined) return false;
  await git(['config', `merge.${MERGE_DRIVER}.name`, 'AgentSync: merge AgentTracker.md entry by entry'], { cwd });
  await git(['config', `merge.${MERGE_DRIVER}.driver`, MERGE_DRIVER_COMMAND], { cwd });
  return true;
}
