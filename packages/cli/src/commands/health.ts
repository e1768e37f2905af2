import { checkHealth, findAgent, openContext } from '@agentsync/core/app';
import { defineCommand } from '../command';
import { printHealth, progress } from '../health-output';
import { printJson } from '../io';
import { healthResult } from '../results';

export default defineCommand({
  description: `
Runs the health checks (health.commands, and health.targets through Nx on the
projects affected since --base) and compares them with the current session's
baseline. A check green in the baseline and red now is a regression; red in
both is still red; red then green is fixed. Passing checks are cached per
tree: a check that passed on this tree is not run again.

Exit 0 green (or nothing regressed under health.policy "regressions"),
1 failing or regressed, 2 bad setup, 130 interrupted (Ctrl-C stops every
check and records nothing).
`,
  json: 'print the results as JSON',
  agent: 'compare with this agent\'s session baseline',
  options: { base: { type: 'string', value: 'REF', description: 'base for Nx affected (default: all projects)' } },
  async run({ values, io }) {
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const live = values.json ? undefined : progress(io);
    const report = await checkHealth(ctx, await findAgent(ctx), { base: values.base, ...live }).finally(() => live?.stop());
    const { result, baseline, comparison } = report;
    if (values.json) printJson(io, healthResult(report));
    else printHealth(io, result, comparison, Boolean(baseline), ctx.config.health.policy);
    return comparison.blocked ? 1 : 0;
  },
});
