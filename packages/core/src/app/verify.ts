/**
 * `agentsync verify` for CI: re-checks each commit of a range as the hooks
 * would have, against the coordination state as it was when the commit was
 * made (the store's history is a chain of commits), so commits that skipped the
 * hooks are caught before they merge.
 */
import type { AgentSyncConfig } from '../config/schema';
import { commitsPaths } from '../git/changes';
import { GitError, UsageError } from '../errors';
import { git, readObjects, type Repo } from '../git/git';
import { LOG_FIELD as FIELD, LOG_RECORD as RECORD, logRecords, readCommits, type CommitInfo } from '../git/log';
import { claimFindings, gateFindings, type Finding } from '../domain/policy';
import { emptyState, type State } from '../domain/state';
import { AUDIT_REF, OFFLINE_AUDIT_REF, parseState, STATE_REF } from '../store/store';
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

/** The store's history, oldest first: when each state began. */
async function stateHistory(repo: Repo): Promise<Array<{ commit: string; time: number }>> {
  const out = await git(['log', '--reverse', '--format=%H %ct', STATE_REF, '--'], { cwd: repo.root }).catch(() => '');
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => ({ commit: line.split(' ')[0], time: Number(line.split(' ')[1]) * 1000 }));
}

/** Reads the state.json of several store commits in one git call. */
async function statesAt(repo: Repo, commits: string[]): Promise<Map<string, State>> {
  const states = new Map<string, State>();
  const objects = await readObjects(repo, commits.map((c) => `${c}:state.json`));
  for (const [i, commit] of commits.entries()) {
    const object = objects[i];
    if (object) states.set(commit, parseState(object.content, `${STATE_REF} at ${commit}`));
  }
  return states;
}

/** The store commit in force at `time`: the newest one made at or before it. */
function storeCommitAt(history: Array<{ commit: string; time: number }>, time: number): string | undefined {
  let found: string | undefined;
  for (const entry of history) if (entry.time <= time) found = entry.commit;
  return found;
}

async function auditRecords(repo: Repo, since: number, until: number) {
  const refs = [AUDIT_REF, OFFLINE_AUDIT_REF];
  const out = await git(['log', '--ignore-missing', `--format=%ct${FIELD}%an${FIELD}%B${RECORD}`, ...refs, '--'], { cwd: repo.root }).catch(() => '');
  return logRecords(out)
    .map(([time, actor, message]) => ({ time: Number(time) * 1000, actor, message: message.trim() }))
    .filter((r) => r.time >= since && r.time <= until)
    .map(({ time, actor, message }) => ({ at: new Date(time).toISOString(), actor, message }));
}


/** Re-checks every commit in `range` as the hooks would have when it was made. */
export async function verifyRange(repo: Repo, config: AgentSyncConfig, range: string): Promise<VerifyReport> {
  const commits = await rangeCommits(repo, range);
  const history = await stateHistory(repo);
  const inForce = commits.map((info) => storeCommitAt(history, info.time));
  const states = await statesAt(repo, [...new Set(inForce.filter((c): c is string => c !== undefined))]);
  const verdicts: CommitVerdict[] = [];
  const changed = await commitsPaths(repo, commits.map((c) => c.sha));
  for (const [i, info] of commits.entries()) {
    const state = (inForce[i] && states.get(inForce[i])) || emptyState();
    const paths = [...new Set((changed.get(info.sha) ?? []).flatMap((change) => change.paths))];
    const agent = trailerValue(info.trailers, 'Agent');
    // CI cannot tell a person from an agent that skipped its hooks (and with them the
    // Agent: trailer), so an unattributed commit on someone's claim fails verify.
    const strict = { ...config, claims: { ...config.claims, blockHumans: true } };
    const facts = { config: strict, state, now: new Date(info.time), agent, paths, trailers: info.trailers, tier: recordedTier(info.trailers) };
    const findings = [...claimFindings(facts), ...gateFindings(facts)];
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
  const times = commits.map((c) => c.time);
  const skips = times.length ? await auditRecords(repo, Math.min(...times) - 3_600_000, Math.max(...times) + 60_000) : [];
  return { range, commits: verdicts, skips, ok: verdicts.every((v) => v.findings.every((f) => f.level !== 'block')) };
}
