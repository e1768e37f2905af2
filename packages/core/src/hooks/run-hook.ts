/**
 * What every git hook does around its own checks: honour HUSKY=0 and
 * AGENTSYNC_SKIP (audited), load the config, the store and the identity at once,
 * and sync with the coordination remote. This is the hot path: it loads
 * neither zod nor Nx (the config comes from a cache keyed by its content), and
 * it never touches the working tree or the index.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { PathChange } from '../git/changes';
import { loadConfigCached } from '../config/cached';
import { CONFIG_FILE } from '../config/constants';
import type { AgentSyncConfig } from '../config/schema';
import { tryGit, type Repo } from '../git/git';
import { loadIdentityInputs, resolveAgent } from '../app/identity';
import type { Finding } from '../domain/policy';
import type { State } from '../domain/state';
import { RemoteUnreachableError } from '../errors';
import { refreshRef, remoteOptions, type RemoteOptions } from '../store/remote';
import { readState, STATE_REF } from '../store/store';

export type HookName = 'pre-commit' | 'commit-msg' | 'pre-push';

export interface HookOutcome {
  findings: Finding[];
  /** Set when the hook did nothing on purpose, and why. */
  skipped?: 'unconfigured' | 'AGENTSYNC_SKIP' | 'HUSKY=0';
  config?: AgentSyncConfig;
  agent?: string;
}

/** What a hook's checks see: the repo, its config and coordination state, who commits and on which branch. */
export interface HookContext {
  repo: Repo;
  env: NodeJS.ProcessEnv;
  config: AgentSyncConfig;
  state: State;
  agent?: string;
  branch?: string;
  now: Date;
}

const exists = (path: string) => access(path).then(() => true, () => false);

function valueOrThrow<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/**
 * Runs `hook` unless husky is switched off, the repo does not use AgentSync, or
 * the user asked to skip (which is audited). The skip comes before the config
 * and the store are read, so neither being broken can stand in an emergency's way;
 * a repo without `.agentsync.json` gets nothing written, not even a cache.
 */
export async function runHook<P = undefined>(
  hook: HookName,
  repo: Repo,
  env: NodeJS.ProcessEnv,
  body: (ctx: HookContext, prefetched: P) => Promise<Finding[]>,
  options: { auditDetail?: string; prefetch?: () => Promise<P> } = {},
): Promise<HookOutcome> {
  if (env.HUSKY === '0') return { findings: [], skipped: 'HUSKY=0' };
  if (!(await exists(join(repo.root, CONFIG_FILE)))) return { findings: [], skipped: 'unconfigured' };
  const identityInputs = loadIdentityInputs(repo, env);
  if (env.AGENTSYNC_SKIP === '1') {
    const identity = await identityInputs;
    const actor = resolveAgent(identity)?.agent ?? 'person';
    const head = (await tryGit(['rev-parse', '-q', '--verify', 'HEAD'], { cwd: repo.root }))?.trim() || '(no commits)';
    const [{ skipRecord }, { publishAudit }] = await Promise.all([import('../store/audit-records.js'), import('../store/audit.js')]);
    const record = skipRecord({ hook, actor, reason: env.AGENTSYNC_SKIP_REASON, branch: identity.branch, head, detail: options.auditDetail });
    // Published through the coordination remote, so CI's verify sees it; an emergency must not
    // depend on the network or on a valid config, so it falls back to this clone's record.
    const remote = await loadConfigCached(repo.root, join(repo.commonDir, 'agentsync')).then((c) => remoteOptions(c.config), () => undefined);
    await publishAudit(repo, actor, record, remote);
    return { findings: [], skipped: 'AGENTSYNC_SKIP', agent: actor };
  }
  // The hook's own git call overlaps the loads below: git runs hooks from the top of the worktree.
  const prefetched = options.prefetch?.();
  prefetched?.catch(() => undefined);
  // Read at once, but a broken config is reported before a broken store, whichever fails first.
  const [loaded, snapshot, inputs] = await Promise.allSettled([
    loadConfigCached(repo.root, join(repo.commonDir, 'agentsync')),
    readState(repo),
    identityInputs,
  ]);
  const [{ config }, { state }, identity] = [valueOrThrow(loaded), valueOrThrow(snapshot), valueOrThrow(inputs)];
  const ctx = { repo, env, config, state, agent: resolveAgent(identity)?.agent, branch: identity.branch, now: new Date() };
  const remote = remoteOptions(config);
  const run = async () => body(ctx, (await prefetched) as P);
  if (!remote) return { findings: await run(), config, agent: ctx.agent };

  // pre-push always fetches; the others trust a fetch within the freshness window.
  const forced = hook === 'pre-push';
  const offline = await syncRemote(ctx, remote, forced);
  let findings = await run();
  if (!forced && !offline && findings.some((f) => f.rule === 'claims' && f.level === 'block')) {
    // A block is confirmed against a fresh fetch: a release made on another machine counts at once.
    await syncRemote(ctx, remote, true);
    findings = await run();
  }
  if (offline) findings.unshift(offlineFinding(remote, offline));
  return { findings, config, agent: ctx.agent };
}

/** Refreshes `ctx.state` from the coordination remote; returns the reason when it is unreachable. */
async function syncRemote(ctx: HookContext, remote: RemoteOptions, force: boolean): Promise<string | undefined> {
  try {
    await refreshRef(ctx.repo, remote, STATE_REF, force);
  } catch (error) {
    if (error instanceof RemoteUnreachableError) return error.message;
    throw error;
  }
  ctx.state = (await readState(ctx.repo)).state;
  return undefined;
}

function offlineFinding(remote: RemoteOptions, reason: string): Finding {
  const block = remote.offline === 'block';
  return {
    level: block ? 'block' : 'warn',
    rule: 'coordination',
    message: `${reason} ${block ? 'Claims cannot be confirmed' : 'Checked against the last fetched claims'}.`,
    hint: block
      ? 'Reconnect, or set coordination.offline to "fallback" to check against the last fetched view.'
      : 'Claims made elsewhere since the last fetch are not seen until the remote is reachable again.',
  };
}

/** Every path the changes touch, once. */
export const uniquePaths = (changes: PathChange[]) => [...new Set(changes.flatMap((c) => c.paths))];
