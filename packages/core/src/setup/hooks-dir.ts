/**
 * The git hooks directory AgentSync commits: `.agentsync/hooks`, which
 * `agentsync setup` makes `core.hooksPath`. Why not husky's `.husky/_`: husky
 * makes that folder per checkout and git-ignores it, and `core.hooksPath` is
 * shared by every worktree of a clone but resolved in each, so a fresh
 * `git worktree add` (where agents work) silently ran no hooks at all until
 * someone installed there. This folder is tracked, so it is in every worktree,
 * and its runner finds the CLI without an install in that worktree.
 *
 * Laid out as husky 9 lays out `.husky/_`: one tiny script per hook that
 * sources the runner `h`, which runs the repository's own `.husky/<hook>`
 * (with `node_modules/.bin` on PATH, as husky does) or, without one (a repo
 * with no Node, no husky), `agentsync hook <hook>` directly.
 */
import { git, tryGit } from '../git/git';

/** The tracked hooks directory, relative to the worktree root: the value of core.hooksPath. */
export const HOOKS_DIR = '.agentsync/hooks';

/**
 * The runner. The binary comes from this worktree's node_modules, else the
 * main worktree's (a fresh worktree has none of its own), else PATH (a global
 * install, a repo without Node). Without one it blocks and says how to fix it:
 * enforcement that silently stops is what this folder exists to prevent.
 */
export const RUNNER = `#!/bin/sh
# AgentSync's git hooks runner, written by \`agentsync init\` (core.hooksPath = ${HOOKS_DIR}).
# Committed, so every worktree and clone runs the hooks, even where nobody ran an install.
hook=$(basename "$0")
[ "\${HUSKY-}" = "0" ] && exit 0
bin="$PWD/node_modules/.bin"
# Only a worktree without its own install pays for asking git where the main worktree is.
if [ ! -x "$bin/agentsync" ]; then
  common=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null)
  bin="\${common%/.git}/node_modules/.bin"
fi
if [ -x "$bin/agentsync" ]; then PATH="$bin:$PATH"; export PATH; fi
if ! command -v agentsync >/dev/null 2>&1; then
  echo "agentsync $hook: blocked: no agentsync to run (not in node_modules/.bin of this worktree or the main one, not on PATH)." >&2
  echo "  Run your package manager's install, or npm install --global @agentsync/cli. In an emergency: HUSKY=0 git ..." >&2
  exit 1
fi
if [ -f ".husky/$hook" ]; then
  sh -e ".husky/$hook" "$@"
else
  agentsync hook "$hook" "$@"
fi
`;

/** The script git runs for a hook: the runner does the work. */
export const HOOK_STUB = '#!/bin/sh\n. "$(dirname "$0")/h"\n';

/**
 * Points core.hooksPath at {@link HOOKS_DIR} when this worktree has it and no other hook
 * manager owns the hooks (unset, husky's, or ours already). Returns whether the hooks are ours.
 */
export async function activateHooksDir(root: string, hasHooksDir: boolean): Promise<boolean> {
  if (!hasHooksDir) return false;
  const current = (await tryGit(['config', '--get', 'core.hooksPath'], { cwd: root }))?.trim().replace(/\/+$/, '');
  if (current === HOOKS_DIR) return true;
  if (current && current !== '.husky/_' && current !== '.husky') return false;
  await git(['config', 'core.hooksPath', HOOKS_DIR], { cwd: root });
  return true;
}
