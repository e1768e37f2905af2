import { status, openContext, readNextWork } from '@agentsync/core/app';
import { defineCommand } from '../command';
import { colors, printJson, untilText } from '../io';

export default defineCommand({
  description: `
Lists the live sessions (agent, goal, tier, branch, baseline health), the live
claims (holder, glob, mode, expiry, the session's goal) and the tracker's
suggested next work.
`,
  json: 'print everything as JSON',
  options: {},
  async run({ values, io }) {
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const state = await status(ctx);
    const nextWork = await readNextWork(ctx);
    if (values.json) {
      printJson(io, { sessions: state.sessions, claims: state.claims, nextWork });
      return 0;
    }
    const c = colors(io);
    const now = ctx.now();
    io.out(c.bold(`Sessions (${state.sessions.length})`));
    for (const s of state.sessions) {
      const baseline = !s.baseline ? '' : s.baseline.status === 'green' ? `  baseline ${c.green('green')}` : `  baseline ${c.red(`red (${s.baseline.failing.join(', ')})`)}`;
      io.out(`  ${s.agent}  ${s.id}  tier ${s.tier}  ${s.branch ?? '(detached)'}  ${s.goal}${baseline}${s.fixingBaseline ? '  [fixing baseline]' : ''}`);
    }
    io.out(c.bold(`Claims (${state.claims.length})`));
    for (const claim of state.claims) {
      const goal = state.sessions.find((s) => s.id === claim.session)?.goal;
      io.out(`  ${claim.holder}  ${claim.glob}  ${claim.mode}  expires ${untilText(claim.expiresAt, now)}${goal ? `  goal: ${goal}` : ''}`);
    }
    io.out(c.bold(`Suggested next work (${nextWork.length})`));
    for (const next of nextWork) io.out(`  - ${next.text} (from ${next.agent})`);
    return 0;
  },
});
