/**
 * The git hooks' work: gather the facts of a commit or push with as few git
 * calls as possible, then let the policy decide. This is the hot path: it loads
 * neither zod nor Nx (the config comes from a cache keyed by its content), and
 * it never touches the working tree or the index.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitPaths, stagedPaths, type PathChange } from './changes';
import { loadConfigCached } from './config/cached';
import type { AgentSyncConfig } from './config/schema';
import { git, splitNul, type Repo } from './git';
import { loadIdentityInputs, resolveAgent } from './identity';
import { claimFindings, evaluateCommit, gateFindings, type Finding } from './policy';
import { activeSession, type State } from './state';
import { appendAudit, readState } from './store';

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

/** Loads what every hook needs at once: config (cached), state, identity. */
async function hookContext(repo: Repo, env: NodeJS.ProcessEnv, config: AgentSyncConfig): Promise<HookContext> {
  const [{ state }, identity] = await Promise.all([readState(repo), loadIdentityInputs(repo.root, env)]);
  return { repo, config, state, agent: resolveAgent(identity)?.agent, branch: identity.branch, now: new Date() };
}

/** Runs `hook` unless the repo is not set up for AgentSync or the user asked to skip (which is audited). */
async function guarded(
  hook: HookName,
  repo: Repo,
  env: NodeJS.ProcessEnv,
  body: (ctx: HookContext) => Promise<Finding[]>,
): Promise<HookOutcome> {
  if (env.HUSKY === '0') return { findings: [], skipped: 'HUSKY=0' };
  const { config, exists } = await loadConfigCached(repo.root, join(repo.commonDir, 'agentsync'));
  if (!exists) return { findings: [], skipped: 'unconfigured' };
  if (env.AGENTSYNC_SKIP === '1') {
    const identity = await loadIdentityInputs(repo.root, env);
    const actor = resolveAgent(identity)?.agent ?? 'person';
    const head = (await git(['rev-parse', '-q', '--verify', 'HEAD'], { cwd: repo.root }).catch(() => '(no commits)')).trim();
    const reason = env.AGENTSYNC_SKIP_REASON?.trim() || '(no reason given)';
    await appendAudit(repo, actor, `skip ${hook} by ${actor}: ${reason}\n\nbranch: ${identity.branch ?? '(detached)'}\nhead: ${head}`);
    return { findings: [], skipped: 'AGENTSYNC_SKIP', config, agent: actor };
  }
  const ctx = await hookContext(repo, env, config);
  return { findings: await body(ctx), config, agent: ctx.agent };
}

const uniquePaths = (changes: PathChange[]) => [...new Set(changes.flatMap((c) => c.paths))];

/** Added plus deleted lines per staged path, read only when a hot file is staged. */
async function stagedLineCounts(repo: Repo): Promise<Map<string, number>> {
  const out = await git(['diff', '--cached', '--numstat', '-z', '--no-renames', '--no-ext-diff'], { cwd: repo.root });
  const counts = new Map<string, number>();
  for (const record of splitNul(out)) {
    const [added, deleted, path] = record.split('\t');
    // Binary files show "-": count them as one change so a limit still applies.
    if (path !== undefined) counts.set(path, added === '-' ? 1 : Number(added) + Number(deleted));
  }
  return counts;
}

/** pre-commit: claims, hot files, risk gates, sessions and branches, the red baseline. */
export function preCommit(repo: Repo, env: NodeJS.ProcessEnv): Promise<HookOutcome> {
  return guarded('pre-commit', repo, env, async (ctx) => {
    const paths = uniquePaths(await stagedPaths(repo));
    if (paths.length === 0) return [];
    const changedLines = ctx.config.hotFiles.length > 0 ? await stagedLineCounts(repo) : undefined;
    return evaluateCommit({ ...ctx, paths, changedLines });
  });
}

/** Parses `Key: value` trailers as git understands them. */
async function parseTrailers(repo: Repo, message: string) {
  const out = await git(['interpret-trailers', '--parse', '--no-divider'], { cwd: repo.root, input: message });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const colon = line.indexOf(':');
      return { key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
    });
}

/** Messages git will squash into another commit: they need no trailers of their own. */
const SQUASH_PREFIX = /^(fixup|squash|amend)! /;

/**
 * commit-msg: adds `Agent:`, `Agent-Session:` and `Agent-Tier:` for an agent in
 * a session (never twice), and requires `Approved-by:` where a gate asks for it.
 */
export function commitMsg(repo: Repo, env: NodeJS.ProcessEnv, messageFile: string): Promise<HookOutcome> {
  return guarded('commit-msg', repo, env, async (ctx) => {
    const session = ctx.agent ? activeSession(ctx.state, ctx.agent, ctx.now) : undefined;
    const message = await readFile(messageFile, 'utf8');
    if (session && !SQUASH_PREFIX.test(message)) {
      const trailers = [`Agent: ${session.agent}`, `Agent-Session: ${session.id}`, `Agent-Tier: ${session.tier}`];
      await git(
        ['interpret-trailers', '--in-place', '--if-exists', 'doNothing', ...trailers.flatMap((t) => ['--trailer', t]), messageFile],
        { cwd: repo.root },
      );
    }
    if (!ctx.config.gates.some((gate) => gate.requires === 'approval')) return [];
    const paths = uniquePaths(await stagedPaths(repo));
    const trailers = await parseTrailers(repo, message);
    return gateFindings({ ...ctx, paths, trailers }).filter((f) => f.rule === 'approval');
  });
}

/** One line of pre-push's stdin. */
interface PushUpdate {
  localRef: string;
  localSha: string;
  remoteRef: string;
  remoteSha: string;
}

export function parsePushLines(stdin: string): PushUpdate[] {
  return stdin
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 4)
    .map(([localRef, localSha, remoteRef, remoteSha]) => ({ localRef, localSha, remoteRef, remoteSha }));
}

/** The commits a push update sends: `remote..local`, or for a new branch those on no remote-tracking ref. */
async function pushedCommits(repo: Repo, update: PushUpdate): Promise<string[]> {
  const cwd = repo.root;
  const known = !NO_COMMIT.test(update.remoteSha) && (await git(['cat-file', '-e', `${update.remoteSha}^{commit}`], { cwd }).then(() => true, () => false));
  const range = known ? [update.localSha, `^${update.remoteSha}`] : [update.localSha, '--not', '--remotes'];
  return (await git(['rev-list', ...range], { cwd })).split('\n').filter(Boolean);
}

/** Commit sha to its trailers, in one git call for all of them. */
async function trailersOf(repo: Repo, commits: string[]) {
  const out = await git(['log', '--no-walk=unsorted', '--format=%H%x00%(trailers:only,unfold)%x00', ...commits], { cwd: repo.root });
  const fields = out.split('\0');
  const map = new Map<string, Array<{ key: string; value: string }>>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const sha = fields[i].trim();
    map.set(
      sha,
      fields[i + 1]
        .split('\n')
        .filter((line) => line.includes(':'))
        .map((line) => ({ key: line.slice(0, line.indexOf(':')).trim(), value: line.slice(line.indexOf(':') + 1).trim() })),
    );
  }
  return map;
}

/**
 * pre-push: re-checks every pushed commit's paths against the claims others
 * hold now, and the gates and approvals, catching commits made with --no-verify.
 * Deletions, tags and AgentSync's own refs pass.
 */
export function prePush(repo: Repo, env: NodeJS.ProcessEnv, stdin: string): Promise<HookOutcome> {
  return guarded('pre-push', repo, env, async (ctx) => {
    const updates = parsePushLines(stdin).filter(
      (u) => !NO_COMMIT.test(u.localSha) && !u.remoteRef.startsWith('refs/tags/') && !u.remoteRef.startsWith('refs/agentsync/'),
    );
    const commits = [...new Set((await Promise.all(updates.map((u) => pushedCommits(repo, u)))).flat())];
    if (commits.length === 0) return [];
    const trailers = await trailersOf(repo, commits);
    const findings: Finding[] = [];
    for (const commit of commits) {
      const paths = uniquePaths(await commitPaths(repo, commit));
      const facts = { ...ctx, paths, trailers: trailers.get(commit) ?? [] };
      for (const finding of [...claimFindings(facts), ...gateFindings(facts)]) {
        findings.push({ ...finding, message: `commit ${commit.slice(0, 10)}: ${finding.message}` });
      }
    }
    return findings;
  });
}
