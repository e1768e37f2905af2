/**
 * Reads the report's facts out of git: commits, merges replayed with
 * `git merge-tree --write-tree`, release tags, the first-parent line churn,
 * and AgentSync's own records (refs/agentsync/state and audit, the tracker's
 * handoffs). The time window is applied later, in ./metrics; the cache
 * (./cache) keeps what is immutable per commit id, so a second run replays
 * and walks only what is new.
 */
import { availableParallelism } from 'node:os';
import picomatch from 'picomatch';
import { verifyRange } from '../app/verify';
import { CONFIG_FILE } from '../config/constants';
import type { AgentSyncConfig } from '../config/schema';
import type { Session } from '../domain/state';
import { TRACKER_FILE } from '../domain/tracker/constants';
import { entries } from '../domain/tracker/model';
import { parseTracker } from '../domain/tracker/parse';
import type { HandoffEntry } from '../domain/tracker/types';
import { EnvironmentError, GitError, UsageError } from '../errors';
import { git, gitLines, readObjects, splitNul, tryGit, type Repo } from '../git/git';
import { adoptionCommit, lineRecords, LOG_FIELD, LOG_RECORD, logRecords } from '../git/log';
import { isSkipRecord, parseRefusalRecord } from '../store/audit-records';
import { readAuditRecords, readStoreHistory } from '../store/history';
import { parseStoreMessage } from '../store/messages';
import { readStatesAt } from '../store/state-files';
import { STATE_REF } from '../store/store';
import { LineAges } from './churn';
import { readReportCache, writeReportCache, type ReportCache } from './cache';
import type { ChurnFact, CommitFact, HandoffFact, HealthFact, MergeFact, RefusalFact, ReportFacts, SkipFact, StoreEventFact, TagFact, VerifyFact } from './metrics';
import { PATCH_COMMIT_FORMAT, PatchParser } from './patch';

/** Where a long run is: `phase` such as "replaying merges", `done` of `total`. */
export type ReportProgress = (progress: { phase: string; done: number; total: number }) => void;

export interface CollectOptions {
  /** The branch to report on; default: the remote's default branch, else main/master, else HEAD's. */
  branch?: string;
  since?: number;
  until?: number;
  /** Release tags, a glob over tag names (default `v*`). */
  tagPattern: string;
  reworkWindowDays: number;
  /** The config `agentsync verify` judges commits by. */
  config: AgentSyncConfig;
  now: Date;
  onProgress?: ReportProgress;
}

const REVERT = /This reverts commit ([0-9a-f]{7,64})/;

/** The branch to report on and the revision that names it: --branch, else the default branch's local copy. */
async function resolveBranch(repo: Repo, requested: string | undefined): Promise<{ name: string; rev: string }> {
  const cwd = repo.root;
  const exists = async (rev: string) => (await tryGit(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd })) !== undefined;
  if (requested !== undefined) {
    if (requested.startsWith('-') || !(await exists(requested))) {
      throw new UsageError(`--branch ${JSON.stringify(requested)} names no commit in this repository.`, {
        where: '--branch',
        hint: 'Give a local or remote-tracking branch such as main or origin/main.',
      });
    }
    return { name: requested.replace(/^(refs\/heads\/|refs\/remotes\/[^/]+\/|origin\/)/, ''), rev: requested };
  }
  // One git call for the default: origin's HEAD and which branches exist.
  const refs = new Map(
    lineRecords(await git(['for-each-ref', `--format=%(refname)${LOG_FIELD}%(symref)`, 'refs/heads/', 'refs/remotes/origin/'], { cwd })).map(([ref, symref]) => [ref, symref]),
  );
  const remoteHead = refs.get('refs/remotes/origin/HEAD');
  if (remoteHead && refs.has(remoteHead)) {
    // The default branch's name from the remote, read from the local branch of that name when there is one.
    const name = remoteHead.slice('refs/remotes/origin/'.length);
    return { name, rev: refs.has(`refs/heads/${name}`) ? `refs/heads/${name}` : remoteHead };
  }
  for (const name of ['main', 'master']) if (refs.has(`refs/heads/${name}`)) return { name, rev: `refs/heads/${name}` };
  const current = (await tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd }))?.trim();
  if (await exists('HEAD')) return { name: current ?? 'HEAD', rev: 'HEAD' };
  throw new EnvironmentError(`The repository ${repo.root} has no commits yet: there is nothing to report.`, {
    where: repo.root,
    hint: 'Run agentsync report once the repository has history.',
  });
}

interface RawCommit extends CommitFact {
  parents: string[];
}

/** Every commit reachable from `rev` (newest first), with parents, committer time and revert mark, in one git call. */
async function readCommits(repo: Repo, rev: string): Promise<RawCommit[]> {
  const log = await git(['log', `--format=%H${LOG_FIELD}%P${LOG_FIELD}%ct${LOG_FIELD}%B${LOG_RECORD}`, rev, '--'], { cwd: repo.root });
  const commits = logRecords(log).map(([sha, parents, time, body]): RawCommit => {
    const revertOf = REVERT.exec(body)?.[1];
    return { sha, parents: parents.split(' ').filter(Boolean), time: Number(time) * 1000, firstParent: false, ...(revertOf ? { revertOf } : {}) };
  });
  return commits;
}

/** The first-parent chain from the tip (the first commit git lists) to the root, marking its commits. */
function markFirstParentChain(commits: RawCommit[]): string[] {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const chain: string[] = [];
  for (let commit: RawCommit | undefined = commits[0]; commit && !commit.firstParent; commit = bySha.get(commit.parents[0] ?? '')) {
    commit.firstParent = true;
    chain.push(commit.sha);
  }
  return chain;
}

/**
 * The files a replay of the merge leaves conflicted: `git merge-tree
 * --write-tree` of the first parent with each other one (pairwise for an
 * octopus), or undefined when git cannot replay it (a parent missing, as in a
 * shallow clone, or histories with no merge base).
 */
async function replayMerge(repo: Repo, parents: readonly string[]): Promise<string[] | undefined> {
  const conflicted = new Set<string>();
  for (const other of parents.slice(1)) {
    try {
      await git(['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', parents[0], other], { cwd: repo.root });
    } catch (error) {
      if (error instanceof GitError && error.gitExitCode === 129) {
        // 129 is git's usage error: a git older than 2.38 has no --write-tree.
        throw new EnvironmentError(`git merge-tree --write-tree is not available: ${error.stderr.trim().split('\n')[0]}`, {
          hint: 'agentsync report replays merges with git 2.38 or newer; upgrade git.',
        });
      }
      if (!(error instanceof GitError) || error.gitExitCode !== 1) return undefined;
      // Exit 1 is "conflicts": the tree id, then one NUL-terminated name per conflicted file.
      for (const path of splitNul(error.stdout).slice(1)) if (path) conflicted.add(path);
    }
  }
  return [...conflicted].sort();
}

/**
 * Replays several merges in one `git merge-tree --stdin` (one line per pair of
 * parents), or undefined when that fails as a whole (a git without --stdin, a
 * merge it cannot do): then each is replayed alone.
 */
async function replayBatch(repo: Repo, merges: readonly RawCommit[]): Promise<string[][] | undefined> {
  const pairs = merges.flatMap((merge, index) => merge.parents.slice(1).map((other) => ({ index, line: `${merge.parents[0]} ${other}` })));
  let out: string;
  try {
    out = await git(['merge-tree', '--write-tree', '--name-only', '-z', '--no-messages', '--stdin'], { cwd: repo.root, input: `${pairs.map((p) => p.line).join('\n')}\n` });
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
  // Per pair: its status (1 clean, 0 conflicts), the tree id, the conflicted names, then an empty field.
  const fields = out.split('\0');
  const conflicted = merges.map(() => new Set<string>());
  let at = 0;
  for (const pair of pairs) {
    if (!/^[01]$/.test(fields[at] ?? '')) return undefined;
    at += 2;
    while (at < fields.length && fields[at] !== '') conflicted[pair.index].add(fields[at++]);
    at++;
  }
  return conflicted.map((names) => [...names].sort());
}

/** Merges per `git merge-tree --stdin` call: small enough for progress, large enough to spare processes. */
const BATCH = 64;

async function replayMerges(repo: Repo, merges: RawCommit[], cache: ReportCache, onProgress?: ReportProgress): Promise<MergeFact[]> {
  const missing = merges.filter((m) => !(m.sha in cache.merges));
  const batches = Array.from({ length: Math.ceil(missing.length / BATCH) }, (_, i) => missing.slice(i * BATCH, (i + 1) * BATCH));
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const replayed = (await replayBatch(repo, batch)) ?? (await Promise.all(batch.map((m) => replayMerge(repo, m.parents))));
      batch.forEach((m, i) => (cache.merges[m.sha] = replayed[i] ?? null));
      done += batch.length;
      onProgress?.({ phase: 'replaying merges', done, total: missing.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(2, availableParallelism()), batches.length) }, worker));
  if (missing.length > 0) cache.changed = true;
  return merges.map((m) => {
    const conflicted = cache.merges[m.sha];
    return { sha: m.sha, time: m.time, parents: m.parents.length, firstParent: m.firstParent, ...(conflicted ? { conflicted } : {}) };
  });
}

/**
 * Line churn along the first-parent chain (merges as their diff against the
 * first parent), resumed from the cache when its tip is still on the chain.
 */
async function walkChurn(repo: Repo, chain: readonly string[], windowDays: number, cache: ReportCache, onProgress?: ReportProgress): Promise<ChurnFact[]> {
  const saved = cache.churn?.windowDays === windowDays ? cache.churn : undefined;
  // chain is newest first; the cache holds one step per commit from the root up to its tip.
  const resumeAt = saved ? chain.indexOf(saved.tip) : -1;
  const resume = saved && resumeAt >= 0 && saved.steps.length === chain.length - resumeAt ? saved : undefined;
  const steps = resume ? [...resume.steps] : [];
  const todo = resume ? resumeAt : chain.length;
  if (todo > 0) {
    const ages = new LineAges(windowDays * 86_400_000, resume?.ages);
    let done = 0;
    const parser = new PatchParser((commit) => {
      const step = ages.apply(commit.time, commit.changes);
      steps.push([commit.time, step.added, step.reworked]);
      onProgress?.({ phase: 'reading line churn', done: ++done, total: todo });
    });
    const range = resume ? [`${resume.tip}..${chain[0]}`] : [chain[0]];
    await gitLines(
      ['log', '--first-parent', '--reverse', '--root', '--diff-merges=first-parent', '-p', '-U0', '-M', '--no-color', '--no-ext-diff', '--no-textconv', `--format=${PATCH_COMMIT_FORMAT}`, ...range, '--'],
      { cwd: repo.root },
      (line) => parser.line(line),
    );
    parser.end();
    cache.churn = { windowDays, tip: chain[0], steps, ages: ages.serialize() };
    cache.changed = true;
  }
  return steps.map(([time, added, reworked]) => ({ time, added, reworked }));
}

/** Release tags whose names match `pattern`, with their creation time and the commit they name. */
async function readTags(repo: Repo, pattern: string): Promise<Array<TagFact & { commit: string }>> {
  // Every tag, cheaply: which ones the branch reaches is decided against its commit list, not by git's --merged walk.
  const out = await git(['for-each-ref', `--format=%(refname:strip=2)${LOG_FIELD}%(creatordate:unix)${LOG_FIELD}%(objectname)${LOG_FIELD}%(*objectname)`, 'refs/tags/'], { cwd: repo.root });
  const matches = picomatch(pattern, { dot: true });
  return lineRecords(out)
    .filter(([name]) => matches(name))
    .map(([name, time, object, peeled]) => ({ name, time: Number(time) * 1000, commit: peeled || object }));
}

/**
 * What the branch's tip holds: the tracker's handoff entries (none when it
 * does not parse) and, when it has an .agentsync.json, the adoption commit
 * (the history walk for it is skipped where there is no config).
 */
async function readTip(repo: Repo, rev: string) {
  const [tracker, config] = await readObjects(repo, [`${rev}:${TRACKER_FILE}`, `${rev}:${CONFIG_FILE}`]);
  let handoffs: HandoffEntry[] = [];
  try {
    if (tracker) handoffs = entries(parseTracker(tracker.content), 'handoff');
  } catch {
    // A malformed tracker has no handoffs to count.
  }
  return { handoffs, adoption: config ? await adoptionCommit(repo, rev) : undefined };
}

/** The store's history: one event per write, and every session as it was recorded at its start. */
async function readStore(repo: Repo): Promise<{ events: StoreEventFact[]; sessions: Map<string, Session> }> {
  const events: StoreEventFact[] = [];
  const starts: string[] = [];
  // Newest first: a session is taken from the newest start that holds it.
  for (const { commit, time, actor: agent, message } of (await readStoreHistory(repo)).reverse()) {
    const write = parseStoreMessage(message);
    const action = write?.action ?? 'other';
    events.push({ time, agent, action, globs: write && 'globs' in write ? write.globs : [] });
    if (action === 'start') starts.push(commit);
  }
  const sessions = new Map<string, Session>();
  // A corrupt state in the history (repaired since) tells nothing about health: it is skipped.
  for (const state of (await readStatesAt(repo, STATE_REF, starts, { skipCorrupt: true })).values()) {
    for (const session of state.sessions) if (!sessions.has(session.id)) sessions.set(session.id, session);
  }
  // Oldest first, as the waits are measured.
  return { events: events.reverse(), sessions };
}

/** The audit log: AGENTSYNC_SKIP uses, and refusals (oldest first) at the time each record says. */
async function readAudit(repo: Repo): Promise<{ skips: SkipFact[]; refusals: RefusalFact[] }> {
  const skips: SkipFact[] = [];
  const refusals: RefusalFact[] = [];
  for (const { time, actor, message } of await readAuditRecords(repo)) {
    if (isSkipRecord(message)) skips.push({ time, actor });
    const refusal = parseRefusalRecord(message);
    if (!refusal) continue;
    const conflicts = refusal.conflicts.map(({ expiresAt, ...c }) => {
      const expires = expiresAt ? Date.parse(expiresAt) : Number.NaN;
      return { ...c, ...(Number.isNaN(expires) ? {} : { expiresAt: expires }) };
    });
    refusals.push({ time: Date.parse(refusal.at), kind: refusal.kind, agent: refusal.agent, conflicts });
  }
  return { skips, refusals: refusals.sort((a, b) => a.time - b.time) };
}

/**
 * What `agentsync verify` says of each commit since adoption: only where the
 * store has a history (without one there were no claims to break), since it
 * reads every commit's paths.
 */
async function readVerify(repo: Repo, config: AgentSyncConfig, rev: string, adoption: ReportFacts['adoption'], commits: readonly RawCommit[]): Promise<VerifyFact[] | undefined> {
  if (!adoption || (await tryGit(['rev-parse', '--verify', '--quiet', STATE_REF], { cwd: repo.root })) === undefined) return undefined;
  const time = new Map(commits.map((c) => [c.sha, c.time]));
  // Judged by the claims at each commit's time only: the claims held today must not change a past count.
  const report = await verifyRange(repo, config, `${adoption.commit}..${rev}`, { currentClaims: false });
  return report.commits.map((verdict) => ({
    time: time.get(verdict.commit) ?? 0,
    ...(verdict.agent ? { agent: verdict.agent } : {}),
    failed: verdict.findings.some((f) => f.level === 'block'),
  }));
}

/** Health results: each session's baseline, and each handoff's health line, with the session's branch. */
function healthFacts(sessions: Map<string, Session>, handoffs: readonly HandoffEntry[]): HealthFact[] {
  const facts: HealthFact[] = [];
  for (const session of sessions.values()) {
    if (session.baseline) facts.push({ time: Date.parse(session.baseline.at), status: session.baseline.status, branch: session.branch, source: 'baseline' });
  }
  for (const handoff of handoffs) {
    const status = /^(green|red)\b/.exec(handoff.health ?? '')?.[1] as 'green' | 'red' | undefined;
    if (!status) continue;
    const branch = handoff.session ? sessions.get(handoff.session)?.branch : undefined;
    facts.push({ time: Date.parse(handoff.at), status, branch, source: 'handoff' });
  }
  return facts.filter((f) => !Number.isNaN(f.time));
}

/** Reads every fact the report needs from the repository. */
export async function collectFacts(repo: Repo, options: CollectOptions): Promise<ReportFacts> {
  const branch = await resolveBranch(repo, options.branch);
  // The commit list is the critical path: it starts first, and the small reads run beside it.
  const listed = readCommits(repo, branch.rev);
  const records = Promise.all([readTags(repo, options.tagPattern), readTip(repo, branch.rev), readStore(repo), readAudit(repo)]);
  records.catch(() => undefined); // awaited below; this only keeps an early rejection from going unhandled meanwhile
  const cache = await readReportCache(repo);
  const commits = await listed;
  const chain = markFirstParentChain(commits);
  const within = (time: number) => time >= (options.since ?? -Infinity) && time < (options.until ?? Infinity);
  const merges = await replayMerges(repo, commits.filter((c) => c.parents.length > 1 && within(c.time)), cache, options.onProgress);
  const churn = await walkChurn(repo, chain, options.reworkWindowDays, cache, options.onProgress);
  if (cache.changed) await writeReportCache(repo, cache);
  const [tagRefs, { handoffs, adoption }, store, audit] = await records;
  const reachable = new Set(commits.map((c) => c.sha));
  const tags = tagRefs.filter((t) => reachable.has(t.commit)).map(({ name, time }) => ({ name, time }));
  const verify = await readVerify(repo, options.config, branch.rev, adoption, commits);
  const handoffFacts: HandoffFact[] = handoffs.map((h) => ({ time: Date.parse(h.at), agent: h.agent, tier: h.tier, tokens: h.tokens }));
  return {
    branch: branch.name,
    head: commits[0]?.sha ?? '',
    now: options.now.getTime(),
    since: options.since,
    until: options.until,
    adoption,
    commits: commits.map(({ parents: _parents, ...commit }) => commit),
    merges,
    tags,
    tagPattern: options.tagPattern,
    churn,
    health: healthFacts(store.sessions, handoffs),
    store: store.events,
    skips: audit.skips,
    refusals: audit.refusals,
    handoffs: handoffFacts,
    ...(verify ? { verify } : {}),
  };
}
