import { release, openContext, repoGlob, requireAgent } from '@agentsync/core/app';
import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';
import { printJson } from '../io';

export default defineCommand({
  args: '[GLOB…]',
  description: `
Releases the current agent's claims on the given globs (relative to the
current directory, as claim's), or all of them with --all. Releasing a glob you do not hold changes nothing.
`,
  json: 'print the released claims as JSON',
  options: { all: { type: 'boolean', description: 'release every claim the agent holds' } },
  async run({ values, positionals, io }) {
    if (positionals.length === 0 && !values.all) {
      throw new UsageError('agentsync release needs globs or --all.', { hint: 'Example: agentsync release "src/api/**", or agentsync release --all' });
    }
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const agent = await requireAgent(ctx);
    const released = await release(ctx, agent, values.all ? undefined : positionals.map((glob) => repoGlob(ctx, glob)));
    if (values.json) printJson(io, { ok: true, agent, released });
    else if (released.length === 0) io.err(`${agent} held none of those claims; nothing released.`);
    else for (const c of released) io.out(`${agent} released ${c.glob}`);
    return 0;
  },
});
