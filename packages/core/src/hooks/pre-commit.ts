/** The pre-commit hook: the staged change against claims, hot files, gates, sessions and the baseline. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { stagedChange } from '../git/changes';
import { parseDuration } from '../config/duration';
import { defaultBranches, tryGit, type Repo } from '../git/git';
import { evaluateCommit, type Finding } from '../domain/policy';
import { activeSession, blockedPaths, renewLeases } from '../domain/state';
import { remoteOptions } from '../store/remote';
import { updateState } from '../store/store';
import { runHook, uniquePaths, type HookContext, type HookOutcome } from './run-hook';
import { storeMessage } from '../store/messages';

/** pre-commit: claims, hot files, risk gates, sessions and branches, the red baseline. */
export async function preCommit(repo: Repo, env: NodeJS.ProcessEnv): Promise<HookOutcome> {
  // The last run of the checks that a claim blocked (a block is confirmed by a second run).
  let refused: { ctx: HookContext; paths: string[] } | undefined;
  const outcome = await runHook('pre-commit', repo, env, async (ctx, staged) => {
    // Line counts cost git a real diff: asked for only where hot files are configured.
    const { changes, lines } = ctx.config.hotFiles.length > 0 ? await stagedChange(repo, { lines: true }) : staged;
    const paths = uniquePaths(changes);
    const findings = evaluateCommit({ ...ctx, paths, changedLines: lines });
    refused = findings.some((f) => f.rule === 'claims' && f.level === 'block') ? { ctx, paths } : undefined;
    const branchWarning = findings.findIndex((f) => f.rule === 'branches' && f.level === 'warn');
    if (branchWarning !== -1 && !(await branchWarningDue(ctx))) findings.splice(branchWarning, 1);
    if (!findings.some((f) => f.level === 'block')) findings.push(...(await renewIfHalfGone(ctx)));
    return findings;
  }, { prefetch: () => stagedChange(repo) });
  if (refused) await recordCommitRefusal(refused.ctx, refused.paths);
  return outcome;
}

/** A commit blocked on other agents' claims goes to the audit log (best effort, loaded only then: the passing commit is the hot path). */
async function recordCommitRefusal(ctx: HookContext, paths: readonly string[]): Promise<void> {
  const conflicts = blockedPaths(ctx.state, ctx.agent, paths, ctx.now).map((b) => b.claim);
  await (await import('../store/audit.js')).recordRefusal(ctx.repo, ctx.config, { kind: 'commit', agent: ctx.agent ?? 'person', at: ctx.now.toISOString(), conflicts });
}

/**
 * A branch name outside branches.pattern is advice, so it is given sparingly: never
 * on the default branch, where people commit on purpose, and once per session (per
 * agent and branch without one). Remembered in the common git dir, shared by worktrees.
 */
async function branchWarningDue(ctx: HookContext): Promise<boolean> {
  if (ctx.branch && (await defaultBranches(ctx.repo)).includes(ctx.branch)) return false;
  const session = ctx.agent ? activeSession(ctx.state, ctx.agent, ctx.now)?.id : undefined;
  const key = session ?? `${ctx.agent} ${ctx.branch}`;
  const file = join(ctx.repo.commonDir, 'agentsync', 'branch-warnings');
  const seen = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  if (seen.includes(key)) return false;
  await mkdir(dirname(file), { recursive: true });
  // The last 100 are plenty: a session lives for hours.
  await writeFile(file, `${[...seen.slice(-99), key].join('\n')}\n`);
  return true;
}

/**
 * A commit is work: when the committing agent's leases are past half their
 * length, renew them, so a live session keeps its claims without thinking of
 * it. Costs a store write only then; a failure is a warning, never a block.
 */
async function renewIfHalfGone(ctx: HookContext): Promise<Finding[]> {
  const { agent } = ctx;
  if (!agent) return [];
  const ttlMs = parseDuration(ctx.config.claims.ttl);
  const leases = [...ctx.state.claims.filter((c) => c.holder === agent), ...ctx.state.sessions.filter((s) => s.agent === agent)];
  const live = leases.filter((lease) => Date.parse(lease.expiresAt) > ctx.now.getTime());
  if (!live.some((lease) => Date.parse(lease.expiresAt) - ctx.now.getTime() < ttlMs / 2)) return [];
  try {
    const { allowedSigners } = ctx.config.identity;
    const signed = allowedSigners ? (require('../git/signing') as typeof import('../git/signing')).storeAuthorization(ctx.repo, allowedSigners, ctx.env) : {};
    await updateState(ctx.repo, { actor: agent, remote: remoteOptions(ctx.config), ...signed }, (state, now) => ({
      state: renewLeases(state, agent, ttlMs, now),
      result: undefined,
      message: storeMessage({ action: 'renew', agent, ttl: String(ctx.config.claims.ttl) }),
    }));
    return [];
  } catch (error) {
    return [
      {
        level: 'warn',
        rule: 'coordination',
        message: `could not renew ${agent}'s leases: ${(error as Error).message.split('\n')[0]}`,
        hint: 'Renew them by hand: agentsync claim GLOB (the same globs) or agentsync note "…".',
      },
    ];
  }
}

/** Lines of a hook script that run lint-staged (comments aside). */
const CALLS_LINT_STAGED = /^[^#\n]*\blint-staged\b/m;

/**
 * Whether the repo's own pre-commit hook runs lint-staged already, in which
 * case AgentSync must not run it a second time: husky's `.husky/pre-commit`, or
 * the pre-commit in `core.hooksPath` or the git dir's hooks.
 */
export async function hookRunsLintStaged(repo: Repo): Promise<boolean> {
  const hooksPath = (await tryGit(['config', '--type=path', '--get', 'core.hooksPath'], { cwd: repo.root }))?.trim();
  const dir = hooksPath ? (isAbsolute(hooksPath) ? hooksPath : join(repo.root, hooksPath)) : join(repo.commonDir, 'hooks');
  const scripts = await Promise.all(
    [join(repo.root, '.husky', 'pre-commit'), join(dir, 'pre-commit')].map((file) => readFile(file, 'utf8').catch(() => '')),
  );
  return scripts.some((script) => CALLS_LINT_STAGED.test(script));
}
