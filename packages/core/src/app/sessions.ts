/**
 * Sessions: the pre-work assessment and session start, partial-work notes and
 * the handoff at the end. The store holds live sessions and claims; the tracker
 * holds what people and the next agent read.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TierConfig } from '../config/schema';
import { readFreshState, recordingRefusal, storeOptions, type Context } from './context';
import { BlockedError, ClaimConflictError, UsageError } from '../errors';
import { currentBranch, git, tryGit } from '../git/git';
import { branchMatches, exampleBranch } from '../domain/branches';
import { normalizeGlob } from '../domain/globs/globs';
import { compareWithBaseline, indentedTail, runHealth, toRecord, type Comparison, type HealthResult, type RunHealthOptions } from '../health';
import { activeSession, applyClaims, pruneExpired, releaseClaims, renewLeases, type Claim, type HealthRecord, type Session, type State } from '../domain/state';
import { readState, updateState } from '../store/store';
import { parseDuration } from '../config/duration';
import {
  addEntry,
  entries,
  newEntryId,
  setClaims,
  removeEntry,
  setSessions,
  TRACKER_FILE,
  upsertEntry,
  type HandoffEntry,
  type NextEntry,
  type TrackerDoc,
} from '../domain/tracker';
import { readTracker, updateTracker } from '../store/tracker-file';
import { storeMessage } from '../store/messages';

export interface UpstreamStatus {
  upstream: string;
  behind: number;
  ahead: number;
  /** Set when fetching failed; the counts are then against the last fetched view. */
  fetchError?: string;
  pulled?: boolean;
}

export interface Assessment {
  session: Session;
  tier: TierConfig & { level: number };
  claims: Claim[];
  /** Other agents' live sessions and claims. */
  others: { sessions: Session[]; claims: Claim[] };
  nextWork: NextEntry[];
  upstream?: UpstreamStatus;
  /** The baseline health run (no checks when none are configured). */
  health: HealthResult;
  warnings: string[];
}

export interface StartOptions {
  goal: string;
  tier: number;
  claims?: string[];
  fixingBaseline?: boolean;
  pull?: boolean;
  /** Progress callbacks for the baseline health run. */
  health?: Pick<RunHealthOptions, 'onPlan' | 'onStart' | 'onResult'>;
}

const FETCH_TIMEOUT_MS = 30_000;

const newSessionId = () => `s-${randomBytes(5).toString('hex')}`;

/** The tier's settings from config; tiers are 1 to 4. */
function tierOf(ctx: Context, tier: number): TierConfig & { level: number } {
  const settings = ctx.config.tiers[String(tier) as keyof typeof ctx.config.tiers];
  if (!Number.isInteger(tier) || !settings) {
    throw new UsageError(`Invalid tier ${JSON.stringify(tier)}.`, {
      hint: 'Use --tier 1 (Simple), 2 (Medium), 3 (Complex) or 4 (Expert).',
    });
  }
  return { ...settings, level: tier };
}

/** Fetches the branch's upstream and counts how far behind it is; `pull` fast-forwards. */
async function checkUpstream(ctx: Context, pull: boolean): Promise<UpstreamStatus | undefined> {
  const cwd = ctx.repo.root;
  const upstream = (await tryGit(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{u}'], { cwd }))?.trim();
  if (!upstream) return undefined;
  const remote = (await tryGit(['config', '--get', `branch.${await currentBranch(ctx.repo)}.remote`], { cwd }))?.trim();
  let fetchError: string | undefined;
  if (remote && remote !== '.') {
    await git(['fetch', '--quiet', '--no-tags', remote], { cwd, timeout: FETCH_TIMEOUT_MS }).catch((error: Error) => {
      fetchError = error.message.split('\n')[0];
    });
  }
  let pulled = false;
  if (pull && !fetchError) {
    await git(['merge', '--ff-only', '--quiet', '@{u}'], { cwd }).catch((error: Error) => {
      throw new UsageError(`Could not fast-forward to ${upstream}: ${error.message.split('\n').pop()}`, {
        hint: 'The branch has diverged or the tree has conflicting changes: rebase or merge by hand.',
      });
    });
    pulled = true;
  }
  const counts = (await git(['rev-list', '--left-right', '--count', `HEAD...@{u}`], { cwd })).trim().split(/\s+/);
  return { upstream, ahead: Number(counts[0]), behind: Number(counts[1]), fetchError, ...(pulled ? { pulled } : {}) };
}

/**
 * Writes the live sessions and claims into the tracker's snapshot regions. Called
 * under the tracker lock and reading the store then, so whichever writer comes
 * last writes the newest state. `adjust` applies a change not yet in the store.
 */
async function writeSnapshots(ctx: Context, doc: TrackerDoc, adjust: (state: State) => State = (state) => state) {
  const state = adjust(pruneExpired((await readState(ctx.repo)).state, ctx.now()));
  setSessions(
    doc,
    state.sessions.map((s) => ({
      id: s.id,
      agent: s.agent,
      goal: s.goal,
      tier: s.tier,
      branch: s.branch ?? '(detached)',
      started: s.startedAt,
    })),
  );
  setClaims(
    doc,
    state.claims.map((c) => ({ holder: c.holder, glob: c.glob, mode: c.mode, expires: c.expiresAt, session: c.session })),
  );
}

// Each worktree has its own tracker file, so its lock lives in that worktree's git dir.
const trackerOptions = (ctx: Context) => ({ create: true, lockDir: ctx.repo.gitDir });

/**
 * Rewrites the tracker's sessions and claims tables from the store, so the
 * tracker never contradicts `status` after a claim or release. A repository
 * without AgentTracker.md gets none.
 */
export async function refreshTrackerSnapshots(ctx: Context): Promise<void> {
  if (!existsSync(join(ctx.repo.root, TRACKER_FILE))) return;
  await updateTracker(ctx.repo.root, (doc) => writeSnapshots(ctx, doc), trackerOptions(ctx));
}

function refuseSecondSession(existing: Session | undefined): void {
  if (!existing) return;
  throw new UsageError(`${existing.agent} already has an active session ${existing.id} (goal: ${existing.goal}).`, {
    where: existing.id,
    hint: 'End it with `agentsync end --summary …` first, or keep working in it.',
  });
}

/**
 * Starts a session: checks the branch and upstream, records the session and its
 * claims in one compare-and-swap (all or nothing), and returns the assessment.
 */
export async function startSession(ctx: Context, agent: string, options: StartOptions): Promise<Assessment> {
  const goal = options.goal.trim();
  if (!goal) throw new UsageError('The session needs a goal.', { hint: 'Pass --goal "what this session will do".' });
  const tier = tierOf(ctx, options.tier);
  const globs = [...new Set((options.claims ?? []).map(normalizeGlob))];
  const warnings: string[] = [];
  const branch = await currentBranch(ctx.repo);
  if (branch && !branchMatches(ctx.config.branches.pattern, agent, branch)) {
    const message = `Branch ${branch} does not match branches.pattern ${ctx.config.branches.pattern} for agent ${agent}.`;
    const hint = `Work on a branch such as ${exampleBranch(ctx.config.branches.pattern, agent)}.`;
    if (ctx.config.branches.enforce === 'block') throw new BlockedError(message, { where: 'branches.pattern', hint });
    warnings.push(`${message} ${hint}`);
  }
  const tracker = await readTracker(ctx.repo.root);
  const ttlMs = parseDuration(ctx.config.claims.ttl);
  // Before the health run, which may take minutes; both checked again in the compare-and-swap.
  const before = (await readFreshState(ctx)).state;
  refuseSecondSession(activeSession(before, agent, ctx.now()));
  await recordingRefusal(ctx, agent, async () => {
    const { conflicts } = applyClaims(before, { agent, globs, mode: 'exclusive', ttlMs }, ctx.now());
    if (conflicts.length > 0) throw new ClaimConflictError(conflicts);
  });
  const upstream = await checkUpstream(ctx, options.pull ?? false);
  if (upstream?.fetchError) warnings.push(`Could not fetch ${upstream.upstream}: ${upstream.fetchError}`);
  const health = await runHealth(ctx.repo, ctx.config, options.health);
  const baseline = health.checks.length > 0 ? toRecord(health, ctx.now()) : undefined;
  if (baseline?.status === 'red' && !options.fixingBaseline) {
    throw new BlockedError(`The baseline is red: ${baseline.failing.join(', ')} failing before any change.`, {
      where: baseline.tree,
      hint: 'Start with --fixing-baseline to make the repair this session\'s job, or ask who broke it (`git log`).',
    });
  }

  const { session, state } = await recordingRefusal(ctx, agent, () => updateState(ctx.repo, storeOptions(ctx, agent), (current, now) => {
    refuseSecondSession(activeSession(current, agent, now));
    const started: Session = {
      id: newSessionId(),
      agent,
      goal,
      tier: tier.level,
      ...(branch ? { branch } : {}),
      worktree: ctx.repo.root,
      startedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      ...(options.fixingBaseline ? { fixingBaseline: true } : {}),
      ...(baseline ? { baseline } : {}),
    };
    const withSession = { ...current, sessions: [...current.sessions, started] };
    const { state: next, conflicts } = applyClaims(withSession, { agent, globs, mode: 'exclusive', session: started.id, ttlMs }, now);
    if (conflicts.length > 0) throw new ClaimConflictError(conflicts);
    return {
      state: next,
      result: { session: started, state: next },
      message: storeMessage({ action: 'start', agent, session: started.id, tier: tier.level, goal, globs }),
    };
  }));

  await updateTracker(ctx.repo.root, (doc) => writeSnapshots(ctx, doc), trackerOptions(ctx));
  return {
    session,
    tier,
    claims: state.claims.filter((c) => c.holder === agent),
    others: {
      sessions: state.sessions.filter((s) => s.agent !== agent),
      claims: state.claims.filter((c) => c.holder !== agent),
    },
    nextWork: tracker ? entries(tracker, 'next') : [],
    upstream,
    health,
    warnings,
  };
}

/** Writes a partial-work note into the tracker now, and renews the agent's leases. */
export async function addNote(ctx: Context, agent: string, text: string): Promise<{ id: string; session?: string }> {
  if (!text.trim()) throw new UsageError('The note is empty.', { hint: 'Pass the note text: agentsync note "what is done, what is left".' });
  // Fail on a malformed tracker before the leases are renewed.
  await readTracker(ctx.repo.root);
  const ttlMs = parseDuration(ctx.config.claims.ttl);
  const state = await updateState(ctx.repo, storeOptions(ctx, agent), (current, now) => {
    const renewed = renewLeases(current, agent, ttlMs, now);
    const mine = activeSession(current, agent, now);
    return { state: mine ? renewed : undefined, result: mine ? renewed : current, message: storeMessage({ action: 'note', agent }) };
  });
  const session = activeSession(state, agent, ctx.now())?.id;
  const at = ctx.now().toISOString();
  const id = newEntryId('note');
  await updateTracker(
    ctx.repo.root,
    async (doc) => {
      addEntry(doc, { kind: 'note', id, at, updatedAt: at, agent, ...(session ? { session } : {}), text: text.trim() });
      await writeSnapshots(ctx, doc);
    },
    trackerOptions(ctx),
  );
  return { id, session };
}

export interface EndOptions {
  summary: string;
  done?: string[];
  next?: string[];
  blockers?: string[];
  failed?: string[];
  tokens?: number;
  /** Hand off despite a health regression, for this reason (recorded in the handoff). */
  allowRegression?: string;
  /** Commit the tracker with what is staged (default true). */
  commit?: boolean;
  /** Progress callbacks for the health run. */
  health?: Pick<RunHealthOptions, 'onPlan' | 'onStart' | 'onResult'>;
}

export interface Handoff {
  session: Session;
  entry: HandoffEntry;
  released: Claim[];
  health: HealthResult;
  comparison: Comparison;
  /** The handoff commit, unless `commit: false`. */
  commit?: string;
  /** Suggested next work for whoever comes next: all open next entries. */
  nextWork: NextEntry[];
}

/** The tier's token budget as text, such as "2000–8000" or "20000+". */
export function budgetText(tier: TierConfig): string {
  return tier.tokens.max === undefined ? `${tier.tokens.min}+` : `${tier.tokens.min}–${tier.tokens.max}`;
}

function healthText(health: HealthResult, comparison: Comparison): string {
  if (health.checks.length === 0) return 'no checks configured';
  const fixed = comparison.fixed.length ? `fixed: ${comparison.fixed.join(', ')}` : '';
  if (health.green) return `green (${health.checks.length} checks${fixed ? `; ${fixed}` : ''})`;
  const parts = [`regressed: ${comparison.regressions.join(', ') || 'none'}`];
  if (comparison.stillRed.length) parts.push(`still red: ${comparison.stillRed.join(', ')}`);
  if (fixed) parts.push(fixed);
  return `red (${parts.join('; ')})`;
}

/** Commits the tracker with whatever else is staged, carrying the session's trailers. */
async function commitHandoff(ctx: Context, session: Session, summary: string): Promise<string> {
  const cwd = ctx.repo.root;
  await git(['add', '--', TRACKER_FILE], { cwd });
  const message = [
    `agentsync: handoff from ${session.agent}: ${summary.split('\n')[0]}`,
    '',
    `Session goal: ${session.goal}`,
    '',
    `Agent: ${session.agent}`,
    `Agent-Session: ${session.id}`,
    `Agent-Tier: ${session.tier}`,
  ].join('\n');
  await git(['commit', '--quiet', '-m', message], { cwd }).catch((error: Error) => {
    throw new BlockedError(`The handoff commit failed: ${error.message.split('\n').slice(-3).join(' ').trim()}`, {
      hint: 'The handoff is written in AgentTracker.md and the session is still open: fix what blocked the commit and run end again (it replaces this handoff), or end with --no-commit and commit it yourself.',
    });
  });
  return (await git(['rev-parse', 'HEAD'], { cwd })).trim();
}

/**
 * Ends the agent's session: runs health (cached) and refuses a regression unless
 * allowed with a reason, writes the handoff entry, commits it with what is
 * staged and the trailers, then releases the claims and closes the session.
 */
export async function endSession(ctx: Context, agent: string, options: EndOptions): Promise<Handoff> {
  const summary = options.summary.trim();
  if (!summary) throw new UsageError('The handoff needs a summary.', { hint: 'Pass --summary "what was done".' });
  // Fail on a malformed tracker before anything changes.
  await readTracker(ctx.repo.root);
  // The handoff ends in a store write: with an unreachable remote, fail now, before the commit.
  const session = activeSession((await readFreshState(ctx, true, false)).state, agent, ctx.now());
  if (!session) {
    throw new UsageError(`${agent} has no active session to end.`, {
      hint: 'Start one with `agentsync start --goal … --tier N`, or write partial work with `agentsync note`.',
    });
  }
  const health = await runHealth(ctx.repo, ctx.config, options.health);
  const comparison = compareWithBaseline(health, session.baseline, ctx.config.health.policy);
  if (comparison.blocked && !options.allowRegression) {
    // Under any-failure a still-red check blocks too: name what blocks, with its output.
    const blocking = comparison.regressions.length ? comparison.regressions : comparison.stillRed;
    const tails = blocking.map((name) => {
      const lines = indentedTail(health.checks.find((c) => c.name === name)!, 10);
      return `\n  ${name}:${lines}`;
    });
    const what = comparison.regressions.length ? 'Health regressed since the session\'s baseline' : 'Health is failing (health.policy "any-failure")';
    throw new BlockedError(`${what}: ${blocking.join(', ')}.${tails.join('')}`, {
      where: session.id,
      hint: 'Fix it first, or hand off anyway with --allow-regression --reason "why" (recorded in the handoff).',
    });
  }

  const at = ctx.now().toISOString();
  const entry: HandoffEntry = {
    kind: 'handoff',
    id: newEntryId('handoff'),
    at,
    updatedAt: at,
    agent,
    session: session.id,
    goal: session.goal,
    tier: session.tier,
    summary,
    done: options.done ?? [],
    next: options.next ?? [],
    blockers: options.blockers ?? [],
    failed: options.failed ?? [],
    ...(options.tokens !== undefined ? { tokens: options.tokens } : {}),
    budget: budgetText(tierOf(ctx, session.tier)),
    health: healthText(health, comparison),
    ...(comparison.blocked && options.allowRegression
      ? { note: `Handed off despite ${comparison.regressions.length ? 'a regression' : 'failing checks'}: ${options.allowRegression}` }
      : {}),
  };
  // The snapshot already shows the session closed: the store follows once the handoff is committed.
  const withSessionEnded = (state: State) => {
    const { state: released } = releaseClaims(state, agent, undefined);
    return { ...released, sessions: released.sessions.filter((s) => s.id !== session.id) };
  };
  let nextWork: NextEntry[] = [];
  await updateTracker(
    ctx.repo.root,
    async (doc) => {
      // Ending again after a failed handoff commit replaces that session's entry instead of adding a second.
      const earlier = entries(doc, 'handoff').find((e) => e.session === session.id);
      upsertEntry(doc, earlier ? { ...entry, id: earlier.id, at: earlier.at } : entry);
      // Suggested work that this session reports done is no longer suggested.
      const done = new Set(entry.done.map((text) => text.trim()));
      for (const next of entries(doc, 'next').filter((e) => done.has(e.text.trim()))) removeEntry(doc, next.id);
      const open = new Set(entries(doc, 'next').map((e) => `${e.agent}\0${e.text}`));
      for (const text of entry.next.filter((t) => !open.has(`${agent}\0${t}`))) {
        addEntry(doc, { kind: 'next', id: newEntryId('next'), at, updatedAt: at, agent, text });
      }
      await writeSnapshots(ctx, doc, withSessionEnded);
      nextWork = entries(doc, 'next');
    },
    trackerOptions(ctx),
  );
  const commit = options.commit === false ? undefined : await commitHandoff(ctx, session, summary);

  const released = await updateState(ctx.repo, storeOptions(ctx, agent), (current) => {
    const { released: gone } = releaseClaims(current, agent, undefined);
    return {
      state: withSessionEnded(current),
      result: gone,
      message: storeMessage({ action: 'end', agent, session: session.id, summary }),
    };
  });
  return { session, entry, released, health, comparison, ...(commit ? { commit } : {}), nextWork };
}

export interface HealthCheckReport {
  result: HealthResult;
  /** The session's baseline the result was compared with; undefined without a session (or without one recorded). */
  baseline?: HealthRecord;
  comparison: Comparison;
}

/** Runs the health checks and compares them with `agent`'s session baseline, for `agentsync health`. */
export async function checkHealth(ctx: Context, agent: string | undefined, options: RunHealthOptions = {}): Promise<HealthCheckReport> {
  const session = agent ? activeSession((await readState(ctx.repo)).state, agent, ctx.now()) : undefined;
  const result = await runHealth(ctx.repo, ctx.config, options);
  return { result, baseline: session?.baseline, comparison: compareWithBaseline(result, session?.baseline, ctx.config.health.policy) };
}

/** The tracker's open suggested next work, for `status`. */
export async function readNextWork(ctx: Context): Promise<NextEntry[]> {
  const tracker = await readTracker(ctx.repo.root);
  return tracker ? entries(tracker, 'next') : [];
}
