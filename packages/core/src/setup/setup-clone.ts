/**
 * Per-clone setup that git does not carry in the repository, run by
 * `agentsync setup` (every install's "prepare") and by init: the tracker's
 * merge driver, and core.hooksPath pointing at the committed hooks directory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tryGit } from '../git/git';
import { activateHooksDir, HOOKS_DIR } from './hooks-dir';
import { registerMergeDriver } from './merge-driver';

export interface SetupResult {
  /** The merge driver merge.agentsync-tracker is registered. */
  mergeDriver: boolean;
  /** core.hooksPath is .agentsync/hooks; false where another hook manager owns the hooks or there is no such folder. */
  hooks: boolean;
}

/** Sets up the clone around `cwd`; idempotent. Undefined outside a git repository. */
export async function setupClone(cwd: string): Promise<SetupResult | undefined> {
  const root = existsSync(cwd) ? (await tryGit(['rev-parse', '--show-toplevel'], { cwd }))?.trim() : undefined;
  if (!root || !(await registerMergeDriver(root))) return undefined;
  return { mergeDriver: true, hooks: await activateHooksDir(root, existsSync(join(root, HOOKS_DIR, 'h'))) };
}
