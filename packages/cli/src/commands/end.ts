import { openContext, requireAgent, endSession } from '@agentsync/core/app';
import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';
import { progress } from '../health-output';
import { colors, printJson } from '../io';
import { endResult } from '../results';

export default defineCommand({
  description: `
Ends the current agent's session: runs health (cached per tree) and refuses a
regression against the session's baseline (exit 1), writes the handoff entry
into AgentTracker.md (summary, next work, blockers, failed approaches, tokens
used against the tier's budget, health), commits it together with what is
staged, with Agent:, Agent-Session: and Agent-Tier: trailers, releases the
claims, and prints the suggested next work for whoever comes next.
`,
  json: 'print the handoff as JSON',
  options: {
    summary: { type: 'string', value: 'TEXT', required: true, description: 'what was done, in a line (required)' },
    done: { type: 'string', multiple: true, value: 'TEXT', description: 'one thing finished, for the handoff\'s Done list (repeatable);\nsuggested next work with the same text is closed' },
    next: { type: 'string', multiple: true, value: 'TEXT', description: 'suggested next work for whoever comes next (repeatable)' },
    blocker: { type: 'string', multiple: true, value: 'TEXT', description: 'what blocks progress (repeatable)' },
    failed: { type: 'string', multiple: true, value: 'TEXT', description: 'an approach that did not work, so nobody retries it (repeatable)' },
    tokens: { type: 'string', value: 'N', description: 'tokens used in the session' },
    'allow-regression': { type: 'boolean', description: 'hand off despite a regression (needs --reason, recorded in the handoff)' },
    reason: { type: 'string', value: 'TEXT', description: 'why the regression is acceptable' },
    'no-commit': { type: 'boolean', description: 'write the handoff but do not commit' },
  },
  async run({ values, io }) {
    if (!values.summary) throw new UsageError('agentsync end needs --summary.', { hint: 'Example: agentsync end --summary "rate limits done" --next "add docs"' });
    const tokens = values.tokens === undefined ? undefined : Number(values.tokens);
    if (tokens !== undefined && !(Number.isInteger(tokens) && tokens >= 0)) {
      throw new UsageError(`Invalid --tokens ${JSON.stringify(values.tokens)}.`, { hint: 'Give the tokens used as a whole number, such as --tokens 6400.' });
    }
    if (values['allow-regression'] && !values.reason?.trim()) {
      throw new UsageError('--allow-regression needs --reason.', { hint: 'Say why: --allow-regression --reason "flaky test, fixed in #123"' });
    }
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const agent = await requireAgent(ctx);
    const live = values.json ? undefined : progress(io);
    const handoff = await endSession(ctx, agent, {
      summary: values.summary,
      done: values.done,
      next: values.next,
      blockers: values.blocker,
      failed: values.failed,
      tokens,
      allowRegression: values['allow-regression'] ? values.reason : undefined,
      commit: !values['no-commit'],
      ...(live ? { health: live } : {}),
    }).finally(() => live?.stop());
    if (values.json) {
      printJson(io, endResult(agent, handoff));
      return 0;
    }
    const c = colors(io);
    io.out(`${agent} ended ${handoff.session.id}; released ${handoff.released.length} claim(s); health ${handoff.entry.health}.`);
    io.out(handoff.commit ? `Handoff committed as ${handoff.commit.slice(0, 10)}.` : 'Handoff written to AgentTracker.md (not committed).');
    io.out(c.bold(`Suggested next work (${handoff.nextWork.length})`));
    for (const next of handoff.nextWork) io.out(`  - ${next.text} (from ${next.agent})`);
    return 0;
  },
});
