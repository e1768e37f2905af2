import { check, findAgent, openContext, repoPath } from '@agentsync/core/app';
import { UsageError } from '@agentsync/core/errors';
import { stagedPaths } from '@agentsync/core/git';
import { defineCommand } from '../command';
import { colors, printJson, untilText } from '../io';
import { checkResult } from '../results';

export default defineCommand({
  args: '[PATH…]',
  description: `
Tells whether these paths would be blocked for the current agent: exit 0 when
all are free, 1 when another agent's live exclusive claim covers any of them.
Paths are relative to the current directory; --staged checks the staged
change (renames count twice: both the old and the new path; nothing
staged is exit 0).
`,
  json: 'print the blocked paths as JSON',
  agent: 'act as this agent (without one, every claim counts)',
  options: { staged: { type: 'boolean', description: 'check the paths in the index\'s staged change' } },
  async run({ values, positionals, io }) {
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const paths = positionals.map((p) => repoPath(ctx, p));
    if (values.staged) paths.push(...(await stagedPaths(ctx.repo)).flatMap((change) => change.paths));
    // Nothing staged is nothing blocked; only a check given nothing to look at is a usage error.
    if (paths.length === 0 && !values.staged) {
      throw new UsageError('agentsync check needs paths or --staged.', { hint: 'Example: agentsync check src/api/users.ts' });
    }
    const agent = await findAgent(ctx);
    const checked = await check(ctx, agent, paths);
    const { blocked, offline } = checked;
    if (offline) io.err(`warning: ${offline} Using the last fetched claims.`);
    if (values.json) {
      printJson(io, checkResult(agent, paths, checked));
    } else {
      const c = colors(io);
      for (const { path, claim } of blocked) {
        io.out(`${c.red('blocked')} ${path}: claimed by ${claim.holder} (${claim.glob}, expires ${untilText(claim.expiresAt, ctx.now())}${claim.goal ? `, goal: ${claim.goal}` : ''})`);
      }
    }
    return blocked.length === 0 ? 0 : 1;
  },
});
