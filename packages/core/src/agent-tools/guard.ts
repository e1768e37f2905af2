/**
 * The edit-time guard: an agent tool is about to write some files; may this
 * instance? Checks other agents' claims and the risk gates for the instance
 * (the same rules pre-commit applies later), and with `claims.onEdit: "claim"`
 * claims the paths nobody holds, so a second instance is refused before it
 * writes a line. Every edit also renews the instance's leases once they are
 * past half, as a commit does.
 */
import { realpathSync } from 'node:fs';
import { dirname, basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { confirmingState, openContext, readFreshState, storeOptions, type Context } from '../app/context';
import { parseDuration } from '../config/duration';
import { ClaimConflictError, type ClaimConflict } from '../errors';
import { claimMatcher, literalGlob } from '../domain/globs/globs';
import { resolveAgentIn } from '../app/identity';
import { claimFinding, claimFindings, gateFindings, hotFileFindings, type Finding } from '../domain/policy';
import { activeSession, applyClaims, blockedPaths, renewLeases, type State } from '../domain/state';
import { updateState } from '../store/store';
import { storeMessage } from '../store/messages';
import type { AgentTool } from '../domain/agent-instance';
import { editedPaths, type HookPayload } from './payload';

export interface EditRequest {
  tool: AgentTool;
  payload: HookPayload;
  env: NodeJS.ProcessEnv;
  /** Where the hook runs; the payload's cwd wins. */
  cwd: string;
  now?: () => Date;
}

export interface EditVerdict {
  /** The acting instance, e.g. `claude-1a2b3c4d`; undefined when the guard had nothing to check. */
  agent?: string;
  /** The edit's files as repo-relative paths (those inside this repository). */
  paths: string[];
  /** Why the edit is refused, for the model; undefined when it may go on. */
  refusal?: string;
  /** Paths this edit claimed for the agent. */
  claimed: string[];
}

/** Decides an edit; throws only when the check itself cannot run (the caller then refuses: fail closed). */
export async function guardEdit(request: EditRequest): Promise<EditVerdict> {
  const cwd = request.payload.cwd ?? request.cwd;
  const ctx = await openContext({ cwd, env: request.env, now: request.now });
  const paths = repoRelativePaths(ctx.repo.root, cwd, editedPaths(request.payload));
  if (!ctx.configured || ctx.config.claims.onEdit === 'off' || paths.length === 0) return { paths, claimed: [] };
  // Two git calls at most (git config for the identity, cat-file for the state): at once.
  const [identity, snapshot] = await Promise.all([
    resolveAgentIn(ctx.repo, request.env, undefined, { tool: request.tool, sessionId: request.payload.sessionId }),
    readFreshState(ctx),
  ]);
  const agent = identity?.agent ?? request.tool;
  let { state } = snapshot;
  let findings = editFindings(ctx, state, agent, paths);
  const fresh = findings.length > 0 ? await confirmingState(ctx, snapshot) : undefined;
  if (fresh) {
    ({ state } = fresh);
    findings = editFindings(ctx, state, agent, paths);
  }
  if (findings.length > 0) {
    if (findings.some((f) => f.rule === 'claims')) await recordEditRefusal(ctx, agent, blockedPaths(state, agent, paths, ctx.now()).map((b) => b.claim));
    return { agent, paths, claimed: [], refusal: refusalText(agent, findings) };
  }
  try {
    return { agent, paths, claimed: await claimAndRenew(ctx, state, agent, paths) };
  } catch (error) {
    if (!(error instanceof ClaimConflictError)) throw error;
    // Another instance claimed a path between the read and the write: it won.
    await recordEditRefusal(ctx, agent, error.conflicts);
    return { agent, paths, claimed: [], refusal: refusalText(agent, error.conflicts.map((conflict) => claimFinding(conflict.requested, conflict, ctx.now()))) };
  }
}

/** An edit refused on other agents' claims goes to the audit log (best effort, loaded only then: the allowed edit is the hot path). */
async function recordEditRefusal(ctx: Context, agent: string, conflicts: readonly ClaimConflict[]): Promise<void> {
  await (await import('../store/audit.js')).recordRefusal(ctx.repo, ctx.config, { kind: 'edit', agent, at: ctx.now().toISOString(), conflicts });
}

/** What blocks `agent` from editing `paths` now: others' claims, gates above its tier, hot files it must claim first. */
function editFindings(ctx: Context, state: State, agent: string, paths: string[]): Finding[] {
  const facts = { config: ctx.config, state, now: ctx.now(), agent, paths };
  const findings = [...claimFindings(facts), ...gateFindings(facts).filter((f) => f.rule === 'gates')];
  // With "claim" the edit claims the hot file itself; with "check" the agent must have.
  if (ctx.config.claims.onEdit === 'check') findings.push(...hotFileFindings(facts));
  return findings.filter((f) => f.level === 'block');
}

/**
 * With "claim": claims the paths no live claim of the agent covers. Either
 * way, renews the agent's leases once any is past half its length. One
 * compare-and-swap write, and none at all in the common case of editing a file
 * the agent holds with time to spare.
 */
async function claimAndRenew(ctx: Context, state: State, agent: string, paths: string[]): Promise<string[]> {
  const ttlMs = parseDuration(ctx.config.claims.ttl);
  const plan = (state: State, now: Date) => {
    const mine = state.claims.filter((c) => c.holder === agent && Date.parse(c.expiresAt) > now.getTime());
    const covered = mine.map((c) => claimMatcher(c.glob));
    const unclaimed = ctx.config.claims.onEdit === 'claim' ? paths.filter((path) => !covered.some((matches) => matches(path))) : [];
    const leases = [...mine, ...state.sessions.filter((s) => s.agent === agent && Date.parse(s.expiresAt) > now.getTime())];
    const renew = leases.some((lease) => Date.parse(lease.expiresAt) - now.getTime() < ttlMs / 2);
    return { unclaimed, renew };
  };
  const first = plan(state, ctx.now());
  if (first.unclaimed.length === 0 && !first.renew) return [];
  return updateState(ctx.repo, storeOptions(ctx, agent), (current, now) => {
    const { unclaimed, renew } = plan(current, now);
    if (unclaimed.length === 0 && !renew) return { state: undefined, result: [], message: '' };
    const renewed = renew ? renewLeases(current, agent, ttlMs, now) : current;
    const globs = unclaimed.map(literalGlob);
    const session = activeSession(current, agent, now)?.id;
    const { state: next, conflicts } = applyClaims(renewed, { agent, globs, mode: 'exclusive', session, ttlMs }, now);
    if (conflicts.length > 0) throw new ClaimConflictError(conflicts.map((c) => ({ ...c, requested: unclaimed[globs.indexOf(c.requested)] ?? c.requested })));
    return { state: next, result: unclaimed, message: storeMessage({ action: 'edit', agent, globs: unclaimed, ...(renew ? { ttl: String(ctx.config.claims.ttl) } : {}) }) };
  });
}

/** The refusal the model reads: each reason with its way out, then what to do instead. */
function refusalText(agent: string, findings: Finding[]): string {
  const lines = findings.map((f) => `- ${f.message}\n  ${f.hint.replace('leave it out of this commit', 'leave this file alone')}`);
  return [
    `AgentSync refused this edit for ${agent}:`,
    ...lines,
    'Do not write these files another way (shell, another tool): the commit would be blocked too. Work on other files, or coordinate: `agentsync status` shows every session and claim.',
  ].join('\n');
}

/**
 * The repo-relative POSIX paths of `paths` (absolute, or relative to `cwd`)
 * that lie inside the working tree at `root`, outside `.git`. A symlink counts
 * as both its own path and the file it points to, so an edit through a link
 * cannot reach a claimed file unseen.
 */
export function repoRelativePaths(root: string, cwd: string, paths: readonly string[]): string[] {
  const found = new Set<string>();
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    for (const candidate of new Set([absolute, realTarget(absolute)])) {
      const rel = insideRepo(root, candidate);
      if (rel !== undefined) found.add(rel);
    }
  }
  return [...found];
}

function insideRepo(root: string, absolute: string): string | undefined {
  const rel = relative(root, absolute);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  const posix = rel.split(sep).join('/');
  return posix === '.git' || posix.startsWith('.git/') ? undefined : posix;
}

/** Where `path` really is: the symlinks in it resolved, for the part that exists (a new file's folder may be a link too). */
function realTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realTarget(parent), basename(path));
  }
}
