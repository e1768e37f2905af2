/**
 * `agentsync verify` for CI: re-checks each commit of a range as the hooks
 * would have, against the coordination state as it was when the commit was
 * made (the store's history is a chain of commits), so commits that skipped the
 * hooks are caught before they merge.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_FILE } from '../config/constants';
import type { AgentSyncConfig } from '../config/schema';
import { dateFindings, judgedTime } from '../domain/commit-dates';
import { signatureFinding } from '../domain/signatures';
import { commitSignatures, readableSigners } from '../git/signing';
import { commitsPaths } from '../git/changes';
import { GitError, UsageError } from '../errors';
import { git, tryGit, type Repo } from '../git/git';
import { readCommits, type CommitInfo } from '../git/log';
import { claimFindings, gateFindings, type Finding } from '../domain/policy';
import { emptyState, type State } from '../domain/state';
import { isSkipRecord } from '../store/audit-records';
import { readAuditRecords, readStoreHistory } from '../store/history';
import { readStatesAt } from '../store/state-files';
import { STATE_REF } from '../store/store';
import { recordedTier, trailerValue } from '../domain/trailers';

export interface CommitVerdict {
  commit: string;
  subject: string;
  agent?: string;
  paths: string[];
  findings: Finding[];
}

export interface VerifyReport {
  range: string;
  commits: CommitVerdict[];
  /** AGENTSYNC_SKIP uses recorded while the range's commits were made. */
  skips: Array<{ at: string; actor: string; message: string }>;
  ok: boolean;
}

/** The commits of `range`, oldest first; a range this clone cannot resolve is bad input. */
async function rangeCommits(repo: Repo, range: string): Promise<CommitInfo[]> {
  try {
    return await readCommits(repo, ['--end-of-options', range, '--']);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new UsageError(`Invalid range ${JSON.stringify(range)}: ${error.stderr.trim().split('\n')[0]}`, {
      hint: 'Give a range of commits this clone has, such as origin/main..HEAD (fetch with enough depth in CI).',
    });
  }
}

/** The store commit in force at `time`: the newest one made at or before it. */
function storeCommitAt(history: ReadonlyArray<{ commit: string; time: number }>, time: number): string | undefined {
  let found: string | undefined;
  for (const entry of history) if (entry.time <= time) found = entry.commit;
  return found;
}

/** The AGENTSYNC_SKIP uses recorded from `since` to `until`, newest first. */
async function skipsBetween(repo: Repo, since: number, until: number): Promise<VerifyReport['skips']> {
  return (await readAuditRecords(repo)).filter((r) => r.time >= since && r.time <= until && isSkipRecord(r.message)).map(({ time, actor, message }) => ({ at: new Date(time).toISOString(), actor, message }));
}

export interface VerifyOptions {
  now?: Date;
  /**
   * Also judge each commit by the claims in force now (default true), as a
   * gate before merging must. A report on past commits sets false, so that its
   * counts do not change with who holds claims today.
   */
  currentClaims?: boolean;
}

/**
 * Re-checks every commit in `range` as the hooks would have, so that no
 * committer date helps: against the claims in force now and those in force at
 * its date held between its parents' and now, with a date in the future or
 * before a parent's a finding of its own (docs/commands.md, agentsync verify).
 */
export async function verifyRange(repo: Repo, config: AgentSyncConfig, range: string, { now = new Date(), currentClaims = true }: VerifyOptions = {}): Promise<VerifyReport> {
  const commits = await rangeCommits(repo, range);
  const history = await readStoreHistory(repo);
  const times = new Map(commits.map((c) => [c.sha, c.time]));
  const outside = [...new Set(commits.flatMap((c) => c.parents))].filter((sha) => !times.has(sha));
  // A shallow clone's missing parents are left out (--ignore-missing).
  if (outside.length > 0) {
    for (const parent of await readCommits(repo, ['--ignore-missing', '--no-walk=unsorted', '--stdin'], `${outside.join('\n')}\n`)) times.set(parent.sha, parent.time);
  }
  const dated = commits.map((info) => ({ time: info.time, parentTimes: info.parents.map((p) => times.get(p) ?? -Infinity) }));
  const moments = dated.map((d) => judgedTime(d, now));
  const latest = currentClaims ? history.at(-1)?.commit : undefined;
  const inForce = moments.map((moment) => storeCommitAt(history, moment));
  const states = await readStatesAt(repo, STATE_REF, [...new Set([...inForce, latest].filter((c): c is string => c !== undefined))]);
  const signatures = await signatureChecks(repo, config, range, commits.map((c) => c.sha));
  const verdicts: CommitVerdict[] = [];
  const changed = await commitsPaths(repo, commits.map((c) => c.sha));
  // CI cannot tell a person from an agent that skipped its hooks (and with them the
  // Agent: trailer), so an unattributed commit on someone's claim fails verify.
  const strict = { ...config, claims: { ...config.claims, blockHumans: true } };
  for (const [i, info] of commits.entries()) {
    const paths = [...new Set((changed.get(info.sha) ?? []).flatMap((change) => change.paths))];
    const agent = trailerValue(info.trailers, 'Agent');
    const judged = (state: State | undefined, at: Date) => {
      const facts = { config: strict, state: state ?? emptyState(), now: at, agent, paths, trailers: info.trailers, tier: recordedTier(info.trailers) };
      return [...claimFindings(facts), ...gateFindings(facts)];
    };
    const findings = uniqueFindings([
      ...dateFindings(dated[i], now),
      ...(signatures ? [signatureFinding(agent, signatures.get(info.sha))].filter((f) => f !== undefined) : []),
      ...judged(inForce[i] ? states.get(inForce[i]) : undefined, new Date(moments[i])),
      ...(latest ? judged(states.get(latest), now) : []),
    ]);
    if (config.sessions.required && agent && !trailerValue(info.trailers, 'Agent-Session')) {
      findings.push({
        level: 'block',
        rule: 'sessions',
        message: `commit by ${agent} has no Agent-Session: trailer, and sessions.required is set`,
        hint: 'Commit inside a session (agentsync start); the commit-msg hook adds the trailers.',
      });
    }
    verdicts.push({ commit: info.sha, subject: info.subject, ...(agent ? { agent } : {}), paths, findings });
  }
  const span = moments.length ? await skipsBetween(repo, Math.min(...moments) - 3_600_000, Math.max(...moments) + 60_000) : [];
  return { range, commits: verdicts, skips: span, ok: verdicts.every((v) => v.findings.every((f) => f.level !== 'block')) };
}

/** The same finding reached at both moments is reported once. */
function uniqueFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(`${f.rule}\0${f.message}`) && Boolean(seen.add(`${f.rule}\0${f.message}`)));
}

/**
 * With identity.allowedSigners, each commit's signature checked against the
 * allowed signers of the range's base (`A` of `A..B`): a branch can neither list
 * its own key under someone else's name nor drop the setting from its
 * `.agentsync.json`. The checkout's file where the range has no single base or
 * the base has none yet. Undefined without signed identities.
 */
async function signatureChecks(repo: Repo, config: AgentSyncConfig, range: string, commits: string[]) {
  const bottoms = (await git(['rev-parse', '--end-of-options', range], { cwd: repo.root })).split('\n').filter((line) => line.startsWith('^'));
  const base = bottoms.length === 1 ? bottoms[0].slice(1) : undefined;
  const atBase = (path: string) => (base ? tryGit(['show', `${base}:${path.replace(/^\.\//, '')}`], { cwd: repo.root }) : Promise.resolve(undefined));
  const baseConfigText = await atBase(CONFIG_FILE);
  const baseConfig = baseConfigText === undefined ? undefined : await configOrNothing(baseConfigText, `${base}:${CONFIG_FILE}`);
  const allowedSigners = baseConfig?.identity.allowedSigners ?? config.identity.allowedSigners;
  if (!allowedSigners) return undefined;
  const signers = await atBase(allowedSigners);
  if (signers === undefined) return commitSignatures(repo, await readableSigners(repo, allowedSigners), commits);
  const dir = await mkdtemp(join(tmpdir(), 'agentsync-signers-'));
  try {
    await writeFile(join(dir, 'allowed_signers'), signers);
    return await commitSignatures(repo, join(dir, 'allowed_signers'), commits);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A base whose config does not validate sets nothing: the checkout's config, validated already, decides. */
async function configOrNothing(text: string, where: string): Promise<AgentSyncConfig | undefined> {
  // Loaded here, not at the top: every command that loads app/ would otherwise load zod.
  const { validateConfig } = await import('../config/load.js');
  try {
    return validateConfig(text, where);
  } catch {
    return undefined;
  }
}
