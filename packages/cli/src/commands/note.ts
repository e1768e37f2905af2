import { openContext, requireAgent, addNote } from '@agentsync/core/app';
import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';
import { printJson } from '../io';

export default defineCommand({
  args: 'TEXT',
  description: `
Writes partial work into AgentTracker.md at once, with or without a session,
so the next agent knows what is half done. A live session's leases are renewed.
`,
  json: 'print the note\'s id as JSON',
  options: {},
  async run({ values, positionals, io }) {
    const text = positionals.join(' ');
    if (!text.trim()) throw new UsageError('agentsync note needs the note text.', { hint: 'Example: agentsync note "parser done, tests for errors left"' });
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const agent = await requireAgent(ctx);
    const note = await addNote(ctx, agent, text);
    if (values.json) printJson(io, { ok: true, agent, ...note });
    return 0;
  },
});
