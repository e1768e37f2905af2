import { UsageError } from '@agentsync/core/errors';
import { runTrackerMergeDriver } from '@agentsync/core/merge-driver';
import { defineCommand } from '../command';

export default defineCommand({
  args: 'BASE OURS THEIRS',
  description: `
The git merge driver for AgentTracker.md, called by git as
  merge-tracker %O %A %B
Managed regions merge entry by entry (union by entry id, the later edit of an
entry changed on both sides wins); prose outside them merges with git's
three-way merge, so conflict markers appear only where both sides changed the
same prose. Writes the result over OURS; exit 0 clean, 1 conflicts left.
Registered in a clone by \`agentsync setup\` (init and "prepare" run it).

`,
  json: 'print the result as JSON',
  options: {},
  async run({ positionals, io }) {
    if (positionals.length !== 3) {
      throw new UsageError('merge-tracker needs three files: BASE OURS THEIRS.', {
        hint: 'git passes them: merge.agentsync-tracker.driver = "node_modules/.bin/agentsync merge-tracker %O %A %B"',
      });
    }
    const [base, ours, theirs] = positionals;
    const conflicts = await runTrackerMergeDriver(io.cwd, base, ours, theirs);
    if (conflicts > 0) io.err(`agentsync merge-tracker: ${conflicts} prose conflict(s) left in AgentTracker.md; every entry was kept.`);
    return conflicts > 0 ? 1 : 0;
  },
});
