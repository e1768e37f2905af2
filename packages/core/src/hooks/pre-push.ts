/** The pre-push hook: every pushed commit against today's claims and gates, then health of the pushed tips. */
import { commitsPaths } from '../git/changes';
import { CONFIG_FILE } from '../config/constants';
import { git, tryGit, type Repo } from '../git/git';
import { claimFindings, gateFindings, type Finding } from '../domain/policy';
import { activeSession } from '../domain/state';
import { recordedTier, trailerValue, type Trailer } from '../domain/trailers';
import { readCommits } from '../git/log';
import { runHook, uniquePaths, type HookContext, type HookOutcome } from './run-hook';

const NO_COMMIT = /^0+$/;

/** Whether this clone has `sha` as a commit (the all-zero sha of a new or deleted ref never). */
async function isKnownCommit(repo: Repo, sha: string): Promise<boolean> {
  return !NO_COMMIT.test(sha) && (await tryGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: repo.root })) !== undefined;
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
  const known = await isKnownCommit(repo, update.remoteSha);
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
  const logged = await readCommits(repo, ['--no-walk=unsorted', '--stdin'], `${commits.join('\n')}\n`);
  return new Map(logged.map((commit) => [commit.sha, commit.trailers]));
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
  return runHook(
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
  const { compareWithBaseline, indentedTail, runHealth } = require('../health') as typeof import('../health');
  const baseline = ctx.agent ? activeSession(ctx.state, ctx.agent, ctx.now)?.baseline : undefined;
  const findings: Finding[] = [];
  const checked = new Set<string>();
  for (const update of updates) {
    // Nx affected needs the remote's tip here; without it, every project counts.
    const known = health.targets.length > 0 && (await isKnownCommit(ctx.repo, update.remoteSha));
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
      const tail = level === 'block' ? indentedTail(check, 15) : '';
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
