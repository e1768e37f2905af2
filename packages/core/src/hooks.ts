/**
 * The git hooks' work: gather the facts of a commit or push with as few git
 * calls as possible, then let the policy decide. This is the hot path: it loads
 * neither zod nor Nx (the config comes from a cache keyed by its content), and
 * it never touches the working tree or the index.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { commitsPaths, stagedChange, type PathChange } from './changes';
import { loadConfigCached } from './config/cached';
import { CONFIG_FILE } from './config/constants';
import type { AgentSyncConfig } from './config/schema';
import { defaultBranches, git, tryGit, type Repo } from './git';
import { loadIdentityInputs, resolveAgent } from './identity';
import { claimFindings, evaluateCommit, gateFindings, type Finding } from './policy';
import { parseDuration } from './config/duration';
import { activeSession, renewLeases, type State } from './state';
import { parseTrailerLines, recordedTier, trailerValue, type Trailer } from './trailers';
import { refreshRef, remoteOptions, RemoteUnreachableError, type RemoteOptions } from './remote';
import { appendAudit, OFFLINE_AUDIT_REF, readState, STATE_REF, updateState } from './store';

export type HookName = 'pre-commit' | 'commit-msg' | 'pre-push';

export interface HookOutcome {
  findings: Finding[];
  /** Set when the hook did nothing on purpose, and why. */
  skipped?: 'unconfigured' | 'AGENTSYNC_SKIP' | 'HUSKY=0';
  config?: AgentSyncConfig;
  agent?: string;
}

interface HookContext {
  repo: Repo;
  config: AgentSyncConfig;
  state: State;
  agent?: string;
  branch?: string;
  now: Date;
}

const NO_COMMIT = /^0+$/;

const exists = (path: string) => access(path).then(() => true, () => false);

function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/**
 * Runs `hook` unless husky is switched off, the repo does not use AgentSync, or
 * the user asked to skip (which is audited). The skip comes before the config
 * and the store are read, so neither being broken can stand in an emergency's way;
 * a repo without `.agentsync.json` gets nothing written, not even a cache.
 */
async function guarded<P = undefined>(
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
    const reason = env.AGENTSYNC_SKIP_REASON?.trim() || '(no reason given)';
    const record = `skip ${hook} by ${actor}: ${reason}\n\nbranch: ${identity.branch ?? '(detached)'}\nhead: ${head}\n${options.auditDetail ?? ''}`;
    // Published through the coordination remote, so CI's verify sees it; an emergency must not
    // depend on the network or on a valid config, so it falls back to this clone's record.
    const remote = await loadConfigCached(repo.root, join(repo.commonDir, 'agentsync')).then((c) => remoteOptions(c.config), () => undefined);
    const published = await appendAudit(repo, actor, record, remote).then(
      () => true,
      (error) => {
        if (!(error instanceof RemoteUnreachableError)) throw error;
        return false;
      },
    );
    if (!published) await appendAudit(repo, actor, record, undefined, OFFLINE_AUDIT_REF);
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
  const [{ config }, { state }, identity] = [settled(loaded), settled(snapshot), settled(inputs)];
  const ctx = { repo, config, state, agent: resolveAgent(identity)?.agent, branch: identity.branch, now: new Date() };
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

const uniquePaths = (changes: PathChange[]) => [...new Set(changes.flatMap((c) => c.paths))];

/** pre-commit: claims, hot files, risk gates, sessions and branches, the red baseline. */
export function preCommit(repo: Repo, env: NodeJS.ProcessEnv): Promise<HookOutcome> {
  return guarded('pre-commit', repo, env, async (ctx, staged) => {
    // Line counts cost git a real diff: asked for only where hot files are configured.
    const { changes, lines } = ctx.config.hotFiles.length > 0 ? await stagedChange(repo, { lines: true }) : staged;
    const findings = evaluateCommit({ ...ctx, paths: uniquePaths(changes), changedLines: lines });
    const branchWarning = findings.findIndex((f) => f.rule === 'branches' && f.level === 'warn');
    if (branchWarning !== -1 && !(await branchWarningDue(ctx))) findings.splice(branchWarning, 1);
    if (!findings.some((f) => f.level === 'block')) findings.push(...(await renewIfHalfGone(ctx)));
    return findings;
  }, { prefetch: () => stagedChange(repo) });
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
    await updateState(ctx.repo, { actor: agent, remote: remoteOptions(ctx.config) }, (state, now) => ({
      state: renewLeases(state, agent, ttlMs, now),
      result: undefined,
      message: `renew: ${agent} commits, its leases run ${ctx.config.claims.ttl} from now`,
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

/** Parses the message's trailers as git understands them. */
async function parseTrailers(repo: Repo, message: string): Promise<Trailer[]> {
  return parseTrailerLines(await git(['interpret-trailers', '--parse', '--no-divider'], { cwd: repo.root, input: message }));
}

/** Messages git will squash into another commit: they need no trailers of their own. */
const SQUASH_PREFIX = /^(fixup|squash|amend)! /;

/**
 * Whether the message says anything besides comments and the diff under the
 * scissors line: git aborts a commit whose message is empty, and trailers
 * added to it would turn that abort into a commit.
 */
function hasText(message: string): boolean {
  const body = message.split(/^# -+ >8 -+$/m)[0];
  return body.split('\n').some((line) => line.trim() !== '' && !line.startsWith('#'));
}

/**
 * commit-msg: adds `Agent:`, `Agent-Session:` and `Agent-Tier:` for an agent in
 * a session (each only where the message lacks it), and requires `Approved-by:`
 * where a gate asks for it.
 */
export function commitMsg(repo: Repo, env: NodeJS.ProcessEnv, messageFile: string): Promise<HookOutcome> {
  return guarded('commit-msg', repo, env, async (ctx) => {
    const session = ctx.agent ? activeSession(ctx.state, ctx.agent, ctx.now) : undefined;
    const needsApproval = ctx.config.gates.some((gate) => gate.requires === 'approval');
    if (!session && !needsApproval) return [];
    const message = await readFile(messageFile, 'utf8');
    const trailers = await parseTrailers(repo, message);
    if (session && hasText(message) && !SQUASH_PREFIX.test(message)) {
      const present = new Set(trailers.map((t) => t.key.toLowerCase()));
      const missing = [`Agent: ${session.agent}`, `Agent-Session: ${session.id}`, `Agent-Tier: ${session.tier}`].filter(
        (trailer) => !present.has(trailer.slice(0, trailer.indexOf(':')).toLowerCase()),
      );
      // --no-divider: a `---` line in a message is text, as for git commit's own --trailer (and
      // git 2.39 loops forever on a message with both `---` and a scissors line without it).
      // --if-exists add: git matches trailer keys by prefix, so `Agent:` would swallow `Agent-Tier:`.
      // The final newline: without it (git merge writes none) git glues the trailers to the subject.
      if (missing.length > 0) {
        const out = await git(['interpret-trailers', '--no-divider', '--if-exists', 'add', ...missing.flatMap((t) => ['--trailer', t])], {
          cwd: repo.root,
          input: message.endsWith('\n') ? message : `${message}\n`,
        });
        await writeFile(messageFile, out);
      }
    }
    if (!needsApproval) return [];
    const { changes } = await stagedChange(repo);
    return gateFindings({ ...ctx, paths: uniquePaths(changes), trailers }).filter((f) => f.rule === 'approval');
  });
}

/** One line of pre-push's stdin. */
interface PushUpdate {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

function parsePushLines(stdin: string): PushUpdate[] {
  return stdin
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 4)
    .map(([localRef, localSha, remoteRef, remoteSha]) => ({ localRef, localSha, remoteRef, remoteSha }));
}

/** The push's updates: git's stdin, or under the pre-commit framework, which keeps stdin to itself, its environment. */
function pushUpdates(stdin: string, env: NodeJS.ProcessEnv): PushUpdate[] {
  const lines = parsePushLines(stdin);
  if (lines.length > 0 || !env.PRE_COMMIT_TO_REF) return lines;
  const { PRE_COMMIT_LOCAL_BRANCH, PRE_COMMIT_TO_REF, PRE_COMMIT_REMOTE_BRANCH, PRE_COMMIT_FROM_REF } = env;
  return [{ localRef: PRE_COMMIT_LOCAL_BRANCH ?? '', localSha: PRE_COMMIT_TO_REF, remoteRef: PRE_COMMIT_REMOTE_BRANCH ?? '', remoteSha: PRE_COMMIT_FROM_REF || '0' }];
}

/**
 * The commits a push update sends that no remote-tracking ref has yet
 * (`remote..local`, and for a new branch everything unpublished): commits
 * published already were checked when they were pushed, and re-checking them
 * against today's claims would block merging main in.
 */
async function pushedCommits(repo: Repo, update: PushUpdate): Promise<string[]> {
  const cwd = repo.root;
  const known = !NO_COMMIT.test(update.remoteSha) && (await tryGit(['cat-file', '-e', `${update.remoteSha}^{commit}`], { cwd })) !== undefined;
  // With no remote-tracking ref at all (a first push to a new remote), the old history would count.
  const firstPush = !known && (await git(['for-each-ref', '--count=1', 'refs/remotes'], { cwd })).trim() === '';
  const args = ['rev-list', update.localSha, ...(known ? [`^${update.remoteSha}`] : []), ...(firstPush ? await beforeAdoption(repo, update.localSha) : []), '--not', '--remotes'];
  return (await git(args, { cwd })).split('\n').filter(Boolean);
}

/**
 * Exclusions for the history from before `.agentsync.json` came into the
 * branch: those commits were never made under its rules, and the first push of
 * an old repository to a new remote must not be judged by them. (It walks the
 * history, so only first pushes ask.)
 */
async function beforeAdoption(repo: Repo, tip: string): Promise<string[]> {
  const out = await git(['log', '--format=%H', '--diff-filter=A', tip, '--', CONFIG_FILE], { cwd: repo.root });
  const adopted = out.trim().split('\n').pop();
  return adopted ? [`^${adopted}^@`] : [];
}

/** Commit sha to its trailers, in one git call for all of them. */
async function trailersOf(repo: Repo, commits: string[]): Promise<Map<string, Trailer[]>> {
  const out = await git(['log', '--no-walk=unsorted', '--stdin', '--format=%H%x00%(trailers:only,unfold)%x00'], {
    cwd: repo.root,
    input: `${commits.join('\n')}\n`,
  });
  const fields = out.split('\0');
  const map = new Map<string, Trailer[]>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    map.set(fields[i].trim(), parseTrailerLines(fields[i + 1]));
  }
  return map;
}

/**
 * pre-push: re-checks every pushed commit's paths against the claims others
 * hold now, and the gates and approvals, catching commits made with --no-verify.
 * Deletions, tags and AgentSync's own refs pass. A commit made in a session is
 * judged by the tier its `Agent-Tier:` trailer records, so ending the session
 * before pushing changes nothing.
 */
export function prePush(repo: Repo, env: NodeJS.ProcessEnv, stdin: string, options: PrePushOptions = {}): Promise<HookOutcome> {
  const updates = pushUpdates(stdin, env).filter(
    (u) => !NO_COMMIT.test(u.localSha) && !u.remoteRef.startsWith('refs/tags/') && !u.remoteRef.startsWith('refs/agentsync/'),
  );
  const detail = updates.map((u) => `push: ${u.localSha} ${u.remoteRef}`).join('\n');
  return guarded(
    'pre-push',
    repo,
    env,
    async (ctx) => {
      const commits = [...new Set((await Promise.all(updates.map((u) => pushedCommits(repo, u)))).flat())];
      if (commits.length === 0) return [];
      const [paths, trailers] = await Promise.all([commitsPaths(repo, commits), trailersOf(repo, commits)]);
      const findings: Finding[] = [];
      for (const commit of commits) {
        const own = trailers.get(commit) ?? [];
        // A commit made in a session is judged as its author agent (its own claims are no conflict)
        // at the tier it was made under, whoever pushes it.
        const agent = trailerValue(own, 'Agent') ?? ctx.agent;
        const facts = { ...ctx, agent, paths: uniquePaths(paths.get(commit) ?? []), trailers: own, tier: recordedTier(own) };
        for (const finding of [...claimFindings(facts), ...gateFindings(facts)]) {
          findings.push({ ...finding, message: `commit ${commit.slice(0, 10)}: ${finding.message}` });
        }
      }
      if (findings.some((f) => f.level === 'block')) return findings;
      return [...findings, ...(await pushHealthFindings(ctx, updates, options))];
    },
    { auditDetail: detail },
  );
}

export interface PrePushOptions {
  /** Called before a health check really runs (cached results run nothing). */
  onHealthCheck?: (check: string, commit: string) => void;
}

/**
 * Health at push: each pushed tip's tree, unless cached, compared with the
 * pusher's session baseline (no session: the policy on the result alone, where
 * every failure is new). The health module loads only where checks are
 * configured, keeping the hook cheap.
 */
async function pushHealthFindings(ctx: HookContext, updates: PushUpdate[], options: PrePushOptions): Promise<Finding[]> {
  const { health } = ctx.config;
  if (health.commands.length === 0 && health.targets.length === 0) return [];
  const { compareWithBaseline, runHealth, tailOf } = require('./health') as typeof import('./health');
  const baseline = ctx.agent ? activeSession(ctx.state, ctx.agent, ctx.now)?.baseline : undefined;
  const findings: Finding[] = [];
  const checked = new Set<string>();
  for (const update of updates) {
    // Nx affected needs the remote's tip here; without it, every project counts.
    const known =
      health.targets.length > 0 &&
      !NO_COMMIT.test(update.remoteSha) &&
      (await tryGit(['cat-file', '-e', `${update.remoteSha}^{commit}`], { cwd: ctx.repo.root })) !== undefined;
    const base = known ? update.remoteSha : undefined;
    // The same tip pushed to two refs is checked, and reported, once.
    if (checked.has(`${update.localSha} ${base}`)) continue;
    checked.add(`${update.localSha} ${base}`);
    const result = await runHealth(ctx.repo, ctx.config, {
      commit: update.localSha,
      base,
      onStart: (check) => options.onHealthCheck?.(check.name, update.localSha),
    });
    const { regressions, stillRed } = compareWithBaseline(result, baseline, health.policy);
    const finding = (name: string, note: string, level: Finding['level'], hint: string): Finding => {
      const check = result.checks.find((c) => c.name === name)!;
      const tail = level === 'block' ? tailOf(check, 15).map((line) => `\n    | ${line}`).join('') : '';
      const what = check.status === 'timeout' ? 'timed out' : 'fails';
      return { level, rule: 'health', message: `${update.localSha.slice(0, 10)}: ${name} ${what}${note}${tail}`, hint };
    };
    // A regression blocks under either policy; still red only under any-failure.
    for (const name of regressions) {
      findings.push(
        baseline
          ? finding(name, ' (green in the session baseline: a regression)', 'block', 'Fix it before pushing; `agentsync health` runs the checks here.')
          : finding(name, '', 'block', 'No session baseline to compare with, so every failing check blocks; `agentsync health` runs the checks here.'),
      );
    }
    for (const name of stillRed) {
      findings.push(
        health.policy === 'any-failure'
          ? finding(name, ' (red in the baseline too)', 'block', 'health.policy is "any-failure": fix it before pushing.')
          : finding(name, ' (red in the baseline too)', 'warn', 'The session started on a red baseline; fix it when you can.'),
      );
    }
  }
  return findings;
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
