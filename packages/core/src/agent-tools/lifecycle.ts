/**
 * The session around the edits, inside an agent tool: what the instance is told
 * when it starts (who it is, who holds what, what to do next), what its shell
 * changed in files others hold (shell writes pass no edit hook), and a reminder,
 * once, when it stops with claims or a session still open.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, openContext, readFreshState, type Context } from '../app/context';
import { git, splitNul } from '../git/git';
import { resolveAgentIn } from '../app/identity';
import { showPath } from '../domain/policy';
import { readNextWork } from '../app/sessions';
import { activeSession, blockedPaths, othersClaims, pruneExpired, type State } from '../domain/state';
import type { AgentTool } from '../domain/agent-instance';
import type { HookPayload } from './payload';

export interface LifecycleRequest {
  tool: AgentTool;
  payload: HookPayload;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now?: () => Date;
}

interface Opened {
  ctx: Context;
  agent: string;
  state: State;
}

/** The repository, the instance and the live state; undefined where AgentSync is not set up. */
async function open(request: LifecycleRequest): Promise<Opened | undefined> {
  const ctx = await openContext({ cwd: request.payload.cwd ?? request.cwd, env: request.env, now: request.now });
  if (!ctx.configured) return undefined;
  const [identity, { state }] = await Promise.all([
    resolveAgentIn(ctx.repo, request.env, undefined, { tool: request.tool, sessionId: request.payload.sessionId }),
    readFreshState(ctx),
  ]);
  return { ctx, agent: identity?.agent ?? request.tool, state: pruneExpired(state, ctx.now()) };
}

const claimLine = (c: { holder: string; glob: string; expiresAt: string }, goal?: string) =>
  `- ${c.glob} by ${c.holder}${goal ? ` (goal: ${goal})` : ''}, until ${c.expiresAt}`;

/** The pre-work assessment for a starting session, as context for the model; '' where AgentSync is not set up. */
export async function sessionStartContext(request: LifecycleRequest): Promise<string> {
  const opened = await open(request);
  if (!opened) return '';
  const { ctx, agent, state } = opened;
  const now = ctx.now();
  const goalOf = (session?: string) => state.sessions.find((s) => s.id === session)?.goal;
  const others = othersClaims(state, agent, now);
  const mine = state.claims.filter((c) => c.holder === agent);
  const sessions = state.sessions.filter((s) => s.agent !== agent);
  const session = activeSession(state, agent, now);
  const next = await readNextWork(ctx).catch(() => []);
  const onEdit = ctx.config.claims.onEdit;
  const lines = [
    `AgentSync coordinates the agents in this repository. You are agent ${agent}: your edits, and the git commits and pushes of your shell, are checked as ${agent}.`,
    {
      claim: 'Editing a file nobody holds claims it for you; an edit to a file another agent holds is refused (so are shell writes, at commit). Claim whole areas up front with `agentsync claim "GLOB"`.',
      check: 'An edit to a file another agent holds is refused. Claim what you will change with `agentsync claim "GLOB"` before you edit it.',
      off: 'A commit touching a file another agent holds is refused. Claim what you will change with `agentsync claim "GLOB"` before you edit it.',
    }[onEdit],
    sessions.length > 0 ? `Active sessions of other agents:\n${sessions.map((s) => `- ${s.agent}: ${s.goal} (tier ${s.tier}${s.branch ? `, branch ${s.branch}` : ''})`).join('\n')}` : 'No other agent has an active session.',
    others.length > 0 ? `Claimed by other agents (do not edit):\n${others.map((c) => claimLine(c, goalOf(c.session))).join('\n')}` : 'No other agent holds claims.',
    ...(mine.length > 0 ? [`Your claims:\n${mine.map((c) => claimLine(c)).join('\n')}`] : []),
    ...(next.length > 0 ? [`Suggested next work (AgentTracker.md):\n${next.map((e) => `- ${e.text} (from ${e.agent})`).join('\n')}`] : []),
    session
      ? `Your session ${session.id} is open: ${session.goal}. Hand off with \`agentsync end --summary "…" --next "…"\` when done.`
      : 'For work beyond a small fix, start a session: `agentsync start --goal "…" --tier N` (tiers 1-4), and end it with `agentsync end --summary "…"`.',
  ];
  return lines.join('\n\n');
}

/**
 * After a shell command: the changed files of the working tree that other
 * agents hold, each said once per instance; '' when there is nothing new.
 */
export async function shellChangesContext(request: LifecycleRequest): Promise<string> {
  const opened = await open(request);
  if (!opened) return '';
  const { ctx, agent, state } = opened;
  const now = ctx.now();
  // Nobody else holds anything (the usual case): no git status at all.
  if (!othersClaims(state, agent, now).some((c) => c.mode === 'exclusive')) return '';
  const status = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], { cwd: ctx.repo.root });
  const changed = splitNul(status).map((entry) => entry.slice(3));
  const blocked = blockedPaths(state, agent, changed, now);
  const fresh = await unseen(ctx, agent, 'shell', blocked.map((b) => `${b.path}\0${b.claim.holder}\0${b.claim.expiresAt}`));
  const shown = blocked.filter((_, i) => fresh[i]);
  if (shown.length === 0) return '';
  const lines = shown.map(({ path, claim }) => `- ${showPath(path)}: claimed by ${claim.holder} (${claim.glob}${claim.goal ? `, goal: ${claim.goal}` : ''}, until ${claim.expiresAt})`);
  return [
    `AgentSync: your shell changed files that other agents hold. Your commit of them will be blocked (pre-commit checks ${agent} against their claims):`,
    ...lines,
    'Undo those changes (`git checkout -- PATH`, or delete the new file) unless the holder agrees; `agentsync status` shows who holds what.',
  ].join('\n');
}

/**
 * When the agent would stop: a reminder, once per instance, if it still holds
 * claims or an open session; '' otherwise, and always when it is already
 * continuing because of a stop hook (never a loop).
 */
export async function stopReminder(request: LifecycleRequest): Promise<string> {
  if (request.payload.stopHookActive) return '';
  const opened = await open(request);
  if (!opened) return '';
  const { ctx, agent, state } = opened;
  const session = activeSession(state, agent, ctx.now());
  const mine = state.claims.filter((c) => c.holder === agent);
  if (!session && mine.length === 0) return '';
  if (!(await unseen(ctx, agent, 'stop', ['reminded']))[0]) return '';
  const held = mine.length > 0 ? ` You still hold ${mine.length} claim(s): ${mine.slice(0, 5).map((c) => c.glob).join(', ')}${mine.length > 5 ? ', …' : ''}.` : '';
  const how = session
    ? `Your session ${session.id} (${session.goal}) has no handoff yet: if the work is done, commit it and run \`agentsync end --summary "what was done" --next "what is left"\`, which also releases your claims.`
    : 'If you are done with them, run `agentsync release --all` so other agents may edit those files; they expire by themselves otherwise.';
  return `AgentSync reminder for ${agent}:${held} ${how} If you are not done, say what is left and stop.`;
}

/**
 * Which of `keys` this instance has not been told yet, remembering them: a small
 * file per instance and topic in the clone's AgentSync cache. Losing it costs a
 * repeated message, nothing more.
 */
async function unseen(ctx: Context, agent: string, topic: string, keys: string[]): Promise<boolean[]> {
  if (keys.length === 0) return [];
  const dir = join(cacheDir(ctx.repo), 'agent-tools');
  const file = join(dir, `${topic}-${agent}`);
  const seen = new Set((await readFile(file, 'utf8').catch(() => '')).split('\n'));
  const fresh = keys.map((key) => !seen.has(key.replaceAll('\n', ' ')));
  if (fresh.some(Boolean)) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, [...seen, ...keys.map((k) => k.replaceAll('\n', ' '))].filter(Boolean).join('\n'));
  }
  return fresh;
}
