/** The pre-push hook: every commit new to the remote against today's claims and gates, then health of the pushed tips. */
import { commitsPaths } from '../git/changes';
import { git, tryGit, type Repo } from '../git/git';
import { claimFindings, gateFindings, type Finding } from '../domain/policy';
import { signatureFinding } from '../domain/signatures';
import { activeSession } from '../domain/state';
import { recordedTier, trailerValue, type Trailer } from '../domain/trailers';
import { adoptionCommit, readCommits } from '../git/log';
import { AUDIT_REF, OFFLINE_AUDIT_REF, STATE_REF } from '../store/store';
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

/** Where a push goes: git's two arguments, the remote's name and URL (the same URL twice for a push to a URL). */
export interface PushTarget {
  remote?: string;
  url?: string;
}

/** A remote name fit for `--remotes=NAME` (a URL, or a name with glob characters, is not). */
const REMOTE_NAME = /^[\w.-]+(?:\/[\w.-]+)*$/;

/**
 * What the remote being pushed to already has, as rev-list exclusions: the
 * remote shas git sent on stdin (the remote's own answer) and that remote's
 * tracking refs; also the coordination remote's, the team's host whose pushes
 * were checked (a fork workflow pushes upstream's work to a stale fork). Never
 * another remote's: a fork or a mirror has not been checked by these pushes.
 * Undefined for a first push.
 */
async function remoteHas(repo: Repo, target: PushTarget, updates: PushUpdate[], coordination: string | undefined): Promise<string[] | undefined> {
  const shas = [...new Set(updates.map((u) => u.remoteSha))];
  const known = (await Promise.all(shas.map(async (sha) => ((await isKnownCommit(repo, sha)) ? sha : undefined)))).filter((sha) => sha !== undefined);
  // A push to a URL names no remote: its tracking refs are none.
  const pushedTo = target.remote !== target.url ? target.remote : undefined;
  const names = [...new Set([pushedTo, coordination])].filter((name): name is string => name !== undefined && REMOTE_NAME.test(name));
  const tracked = await Promise.all(names.map(async (name) => (await git(['for-each-ref', '--count=1', `refs/remotes/${name}/`], { cwd: repo.root })).trim() !== ''));
  const remotes = names.filter((_, i) => tracked[i]);
  if (known.length === 0 && remotes.length === 0) return undefined;
  return [...known.map((sha) => `^${sha}`), ...(remotes.length > 0 ? ['--not', ...remotes.map((name) => `--remotes=${name}`)] : [])];
}

/**
 * The commits a push update sends that the remote does not have (see
 * remoteHas): commits it has were checked when they were pushed to it, and
 * re-checking them against today's claims would block merging main in. On a
 * first push, the history from before AgentSync came in does not count.
 */
async function pushedCommits(repo: Repo, update: PushUpdate, has: string[] | undefined): Promise<string[]> {
  const args = ['rev-list', update.localSha, ...(has ?? (await beforeAdoption(repo, update.localSha)))];
  return (await git(args, { cwd: repo.root })).split('\n').filter(Boolean);
}

/**
 * Exclusions for the history from before `.agentsync.json` came into the
 * branch: those commits were never made under its rules, and the first push of
 * an old repository to a new remote must not be judged by them. (It walks the
 * history, so only first pushes ask.)
 */
async function beforeAdoption(repo: Repo, tip: string): Promise<string[]> {
  const adopted = await adoptionCommit(repo, tip);
  return adopted ? [`^${adopted.commit}^@`] : [];
}

/** Commit sha to its trailers, in one git call for all of them. */
async function trailersOf(repo: Repo, commits: string[]): Promise<Map<string, Trailer[]>> {
  const logged = await readCommits(repo, ['--no-walk=unsorted', '--stdin'], `${commits.join('\n')}\n`);
  return new Map(logged.map((commit) => [commit.sha, commit.trailers]));
}

/** The store's own refs: they hold the state (state.json, delta.json) and audit records, not work, and the store pushes them itself. */
const STORE_REFS = new Set([STATE_REF, AUDIT_REF, OFFLINE_AUDIT_REF]);

/**
 * The updates whose commits pre-push checks: every pushed ref (branches, tags,
 * other refs) but deletions and the store's own refs; a tag's sha is peeled to
 * its commit, and a ref to no commit at all (a tree, a blob) has none to check.
 */
async function checkedUpdates(repo: Repo, updates: PushUpdate[]): Promise<PushUpdate[]> {
  const kept = updates.filter((u) => !NO_COMMIT.test(u.localSha) && !STORE_REFS.has(u.remoteRef));
  const peeled = await Promise.all(
    kept.map(async (u) => {
      // git accepts only commits under refs/heads/: only the others need asking.
      if (u.remoteRef.startsWith('refs/heads/')) return u;
      const commit = (await tryGit(['rev-parse', '--verify', '-q', `${u.localSha}^{commit}`], { cwd: repo.root }))?.trim();
      return commit ? { ...u, localSha: commit } : undefined;
    }),
  );
  return peeled.filter((u) => u !== undefined);
}

/**
 * pre-push: re-checks every commit new to the remote against the claims others
 * hold now, and the gates and approvals, catching commits made with --no-verify.
 * Deletions and the store's own refs pass. A commit made in a session is
 * judged by the tier its `Agent-Tier:` trailer records, so ending the session
 * before pushing changes nothing.
 */
export function prePush(repo: Repo, env: NodeJS.ProcessEnv, stdin: string, options: PrePushOptions = {}): Promise<HookOutcome> {
  const pushed = pushUpdates(stdin, env);
  const target = options.target ?? { remote: env.PRE_COMMIT_REMOTE_NAME, url: env.PRE_COMMIT_REMOTE_URL };
  const detail = pushed.map((u) => `push: ${u.localSha} ${u.remoteRef}`).join('\n');
  return runHook(
    'pre-push',
    repo,
    env,
    async (ctx) => {
      const updates = await checkedUpdates(repo, pushed);
      const has = await remoteHas(repo, target, pushed, ctx.config.coordination.remote);
      const perUpdate = await Promise.all(updates.map((u) => pushedCommits(repo, u, has)));
      const commits = [...new Set(perUpdate.flat())];
      if (commits.length === 0) return [];
      // A tag of published work (`git push --tags`) brings no new tree: health runs for branches and new work only.
      const healthUpdates = updates.filter((u, i) => u.remoteRef.startsWith('refs/heads/') || perUpdate[i].length > 0);
      const { allowedSigners } = ctx.config.identity;
      const signing = allowedSigners ? (require('../git/signing') as typeof import('../git/signing')) : undefined;
      const [paths, trailers, signatures] = await Promise.all([
        commitsPaths(repo, commits),
        trailersOf(repo, commits),
        signing && allowedSigners ? signing.readableSigners(repo, allowedSigners).then((file) => signing.commitSignatures(repo, file, commits)) : undefined,
      ]);
      const findings: Finding[] = [];
      for (const commit of commits) {
        const own = trailers.get(commit) ?? [];
        // A commit made in a session is judged as its author agent (its own claims are no conflict)
        // at the tier it was made under, whoever pushes it.
        const agent = trailerValue(own, 'Agent') ?? ctx.agent;
        const facts = { ...ctx, agent, paths: uniquePaths(paths.get(commit) ?? []), trailers: own, tier: recordedTier(own) };
        const unsigned = signing && signatureFinding(trailerValue(own, 'Agent'), signatures?.get(commit));
        for (const finding of [...(unsigned ? [unsigned] : []), ...claimFindings(facts), ...gateFindings(facts)]) {
          findings.push({ ...finding, message: `commit ${commit.slice(0, 10)}: ${finding.message}` });
        }
      }
      if (findings.some((f) => f.level === 'block')) return findings;
      return [...findings, ...(await pushHealthFindings(ctx, healthUpdates, options))];
    },
    { auditDetail: detail },
  );
}

export interface PrePushOptions {
  /** Called before a health check really runs (cached results run nothing). */
  onHealthCheck?: (check: string, commit: string) => void;
  /** git's arguments; default the pre-commit framework's PRE_COMMIT_REMOTE_NAME and PRE_COMMIT_REMOTE_URL (set since its 2.0.0, per its changelog). */
  target?: PushTarget;
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
