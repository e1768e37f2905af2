import { openContext, repoGlob, requireAgent, budgetText, startSession, type Assessment } from '@agentsync/core/app';
import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';
import { progress } from '../health-output';
import { colors, printJson, untilText, type Io } from '../io';
import { startResult } from '../results';

export default defineCommand({
  description: `
Pre-work assessment, then a session: prints the active sessions, live claims
and suggested next work, fetches the branch's upstream and says how far
behind it is, and records the session with its claims (all or nothing: a
claim held by another agent refuses the start with exit 1).
`,
  json: 'print the assessment as JSON',
  options: {
    goal: { type: 'string', value: 'TEXT', required: true, description: 'what this session will do (required)' },
    tier: { type: 'string', value: 'N', required: true, description: '1 Simple, 2 Medium, 3 Complex, 4 Expert (required): sets the\ntoken budget, the recommended model and the risk allowed' },
    claim: { type: 'string', multiple: true, value: 'GLOB', description: 'claim these paths for the session (repeatable; relative to\nthe current directory, as claim\'s)' },
    'fixing-baseline': { type: 'boolean', description: 'the session\'s job is to repair a red baseline' },
    pull: { type: 'boolean', description: 'fast-forward the branch to its upstream first' },
  },
  async run({ values, io }) {
    if (!values.goal) throw new UsageError('agentsync start needs --goal.', { hint: 'Example: agentsync start --goal "add rate limits" --tier 2' });
    // One message for every wrong tier (5, 2.5, 0x2, two): the tiers are the digits 1 to 4.
    if (!values.tier || !/^[1-4]$/.test(values.tier)) {
      const what = values.tier ? `Invalid --tier ${JSON.stringify(values.tier)}: the tier is 1, 2, 3 or 4.` : 'agentsync start needs --tier 1, 2, 3 or 4.';
      throw new UsageError(what, { hint: 'Pick the tier by complexity: 1 Simple, 2 Medium, 3 Complex, 4 Expert.' });
    }
    const tier = Number(values.tier);
    const ctx = await openContext({ cwd: io.cwd, env: io.env, agentFlag: values.agent });
    const agent = await requireAgent(ctx);
    const live = values.json ? undefined : progress(io);
    const assessment = await startSession(ctx, agent, {
      goal: values.goal,
      tier,
      claims: values.claim?.map((glob) => repoGlob(ctx, glob)),
      fixingBaseline: values['fixing-baseline'],
      pull: values.pull,
      ...(live ? { health: live } : {}),
    }).finally(() => live?.stop());
    if (values.json) printJson(io, startResult(agent, assessment));
    else printAssessment(io, assessment, ctx.now());
    return 0;
  },
});

function printAssessment(io: Io, a: Assessment, now: Date): void {
  const c = colors(io);
  for (const warning of a.warnings) io.err(`${c.yellow('warning:')} ${warning}`);
  io.out(`${c.bold('Session')} ${a.session.id} for ${a.session.agent}: ${a.session.goal}`);
  io.out(`  tier ${a.tier.level} ${a.tier.name}: budget ${budgetText(a.tier)} tokens, recommended model ${a.tier.model}, risk up to ${a.tier.maxRisk}`);
  if (a.upstream) {
    const behind = a.upstream.behind ? c.yellow(`${a.upstream.behind} behind`) : 'up to date';
    io.out(`  branch ${a.session.branch ?? '(detached)'}: ${behind} ${a.upstream.upstream}${a.upstream.pulled ? ' (pulled)' : ''}`);
  }
  const failing = a.session.baseline?.failing ?? [];
  if (a.health.checks.length === 0) io.out('  baseline: no health checks configured');
  else io.out(`  baseline: ${failing.length ? c.red(`red (${failing.join(', ')})`) : c.green('green')}${a.session.fixingBaseline ? ' — this session fixes it' : ''}`);
  for (const claim of a.claims) io.out(`  claims ${claim.glob} (expires ${untilText(claim.expiresAt, now)})`);
  io.out(c.bold(`Other sessions (${a.others.sessions.length})`));
  for (const s of a.others.sessions) io.out(`  ${s.agent}: ${s.goal} (tier ${s.tier}, ${s.branch ?? 'detached'})`);
  io.out(c.bold(`Claims held by others (${a.others.claims.length})`));
  for (const claim of a.others.claims) io.out(`  ${claim.holder}: ${claim.glob} (${claim.mode}, expires ${untilText(claim.expiresAt, now)})`);
  io.out(c.bold(`Suggested next work (${a.nextWork.length})`));
  for (const next of a.nextWork) io.out(`  - ${next.text} (from ${next.agent})`);
}
