import { claim, openContext, repoGlob, requireAgent } from '@agentsync/core/app';
import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';
import { printJson, untilText } from '../io';

export default defineCommand({
  args: 'GLOB…',
  description: `
Claims paths for the current agent, all or nothing. Globs are relative to the
current directory, as check's paths are; a plain directory claims everything
under it, and a path that does not exist yet can be claimed. A glob that does
not parse (\`src/[\`) is exit 2. A claim that
overlaps another agent's live claim is refused (exit 1) naming the holder.
Claiming a glob you already hold renews its lease.
`,
  json: 'print the claims as JSON',
  options: { ttl: { type: 'string', value: 'DURATION', description: 'lease length such as 30m or 2h (default: claims.ttl, 2h)' }, shared: { type: 'boolean', description: 'a shared claim: others may share it, nobody may take it exclusively' } },
  async run({ values, positionals, io }) {
    if (positionals.length === 0) {
      throw new UsageError('agentsync claim needs at least one glob.', { hint: 'Example: agentsync claim "src/api/**"' });
    }
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const agent = await requireAgent(ctx);
    const claims = await claim(ctx, agent, positionals.map((glob) => repoGlob(ctx, glob)), { shared: values.shared, ttl: values.ttl });
    if (values.json) printJson(io, { ok: true, agent, claims });
    else for (const c of claims) io.out(`${agent} claims ${c.glob} (${c.mode}, expires ${untilText(c.expiresAt, ctx.now())})`);
    return 0;
  },
});
