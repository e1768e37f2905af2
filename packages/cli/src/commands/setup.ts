import { registerMergeDriver } from '@agentsync/core/merge-driver';
import { defineCommand } from '../command';

export default defineCommand({
  help: `Usage: agentsync setup

Per-clone setup that git does not carry in the repository: registers the
AgentTracker.md merge driver (merge.agentsync-tracker) in this clone's git
config. Idempotent and safe in "prepare": outside a git repository it says so
and exits 0, so a package install never fails because of it.
`,
  options: {},
  async run({ io }) {
    if (!(await registerMergeDriver(io.cwd))) io.err('agentsync setup: not a git repository; nothing to set up.');
    return 0;
  },
});
