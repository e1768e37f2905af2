import { setupClone } from '@agentsync/core/setup';
import { defineCommand } from '../command';
import { printJson } from '../io';

export default defineCommand({
  description: `
Per-clone setup that git does not carry in the repository: registers the
AgentTracker.md merge driver (merge.agentsync-tracker) in this clone's git
config, and points core.hooksPath at the committed .agentsync/hooks (unless
another hook manager owns the hooks), so every worktree runs the hooks.
Idempotent and safe in "prepare": outside a git repository it says so and
exits 0, so a package install never fails because of it.
`,
  json: 'print what is set up as JSON',
  options: {},
  async run({ values, io }) {
    const result = await setupClone(io.cwd);
    if (values.json) printJson(io, { ok: true, gitRepository: Boolean(result), mergeDriver: result?.mergeDriver ?? false, hooks: result?.hooks ?? false });
    else if (!result) io.err('agentsync setup: not a git repository; nothing to set up.');
    return 0;
  },
});
