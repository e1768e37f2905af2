/**
 * The policy decisions the hooks enforce, as pure functions from facts to
 * findings: claims held by others, hot-file limits, risk gates, sessions and
 * branches, the red baseline. The hooks gather the facts; this decides.
 */
import type { AgentSyncConfig } from '../config/schema';
import { claimMatcher } from './globs/globs';
import { branchMatches, exampleBranch } from './branches';
import { trailerValue } from './trailers';
import { RISK_ORDER } from '../config/constants';
import { untilText } from '../config/duration';
import { activeSession, blockedPaths, type State } from './state';
import type { ClaimConflict } from '../errors';

export type Rule =
  | 'claims'
  | 'hot-files'
  | 'gates'
  | 'approval'
  | 'sessions'
  | 'branches'
  | 'baseline'
  | 'health'
  | 'coordination'
  | 'identity'
  | 'dates';

export interface Finding {
  level: 'block' | 'warn';
  rule: Rule;
  /** What and where, in one or a few lines. */
  message: string;
  /** How to go on. */
  hint: string;
  /** The repo paths it is about, where it is about paths (for annotations). */
  paths?: string[];
}

/** What the hooks know about a commit (or a commit being made). */
export interface CommitFacts {
  config: AgentSyncConfig;
  state: State;
  now: Date;
  /** The acting agent; undefined for a person with no identity. */
  agent?: string;
  /** Every path the commit touches (both sides of a rename). */
  paths: readonly string[];
  /** Changed lines per path (added + deleted), where known. */
  changedLines?: ReadonlyMap<string, number>;
  branch?: string;
  /** Trailers of the commit message, where it exists (commit-msg, pre-push, verify). */
  trailers?: ReadonlyArray<{ key: string; value: string }>;
  /** The tier the commit was made under (its `Agent-Tier:` trailer); else the agent's session's now. */
  tier?: number;
}

const riskRank = (risk: string) => RISK_ORDER.indexOf(risk as (typeof RISK_ORDER)[number]);

/** A path as printed: control characters (a newline, a terminal escape) could forge or hide lines, so such names are quoted. */
export const showPath = (path: string) => (/[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path);

/** People hold no claims: claim rules warn them, and block only with `claims.blockHumans`. */
const claimLevel = (facts: CommitFacts) => (facts.agent || facts.config.claims.blockHumans ? 'block' : 'warn');

/** Other agents' live exclusive claims on the paths: a block for an agent, a warning for a person unless `claims.blockHumans`. */
export function claimFindings(facts: CommitFacts): Finding[] {
  const blocked = blockedPaths(facts.state, facts.agent, facts.paths, facts.now);
  const level = claimLevel(facts);
  return blocked.map(({ path, claim }) => claimFinding(path, claim, facts.now, level));
}

/** The finding for `path`, which `claim` of another agent covers: holder, glob, goal, expiry, and the ways out. */
export function claimFinding(path: string, claim: ClaimConflict, now: Date, level: Finding['level'] = 'block'): Finding {
  return {
    level,
    rule: 'claims',
    paths: [path],
    message: `${showPath(path)} is claimed by ${claim.holder} (${claim.glob}${claim.goal ? `, goal: ${claim.goal}` : ''}, expires ${untilText(claim.expiresAt, now)})`,
    hint: `Ask ${claim.holder} to release it, wait for the lease to expire, or leave it out of this commit; \`agentsync status\` lists every claim.`,
  };
}

/** Hot files edited beyond their limit, or without the claim they require. */
export function hotFileFindings(facts: CommitFacts): Finding[] {
  const findings: Finding[] = [];
  for (const hot of facts.config.hotFiles) {
    const matches = claimMatcher(hot.path);
    for (const path of facts.paths.filter((p) => matches(p))) {
      const changed = facts.changedLines?.get(path);
      if (hot.maxChangedLines !== undefined && changed !== undefined && changed > hot.maxChangedLines) {
        findings.push({
          level: 'block',
          rule: 'hot-files',
          paths: [path],
          message: `${showPath(path)} is a hot file: ${changed} changed lines, the limit is ${hot.maxChangedLines} (hotFiles ${hot.path})`,
          hint: 'Split the edit into smaller commits so others can merge around it.',
        });
      }
      const holds = facts.state.claims.some(
        (c) => c.holder === facts.agent && Date.parse(c.expiresAt) > facts.now.getTime() && claimMatcher(c.glob)(path),
      );
      if (hot.requireClaim && !holds) {
        findings.push({
          level: claimLevel(facts),
          rule: 'hot-files',
          paths: [path],
          message: `${showPath(path)} is a hot file that needs a claim before it is edited (hotFiles ${hot.path})`,
          hint: `Claim it first: agentsync claim ${JSON.stringify(path)}`,
        });
      }
    }
  }
  return findings;
}

/** The highest risk `tier` may touch; an agent without a session gets tier 1's. */
function allowedRisk(config: AgentSyncConfig, tier: number | undefined): string {
  return config.tiers[String(tier ?? 1) as keyof AgentSyncConfig['tiers']].maxRisk;
}

/**
 * Risk gates: for an agent, a path under a gate riskier than its tier allows
 * blocks; a gate that requires approval needs an `Approved-by:` trailer, checked
 * where the message exists.
 */
export function gateFindings(facts: CommitFacts): Finding[] {
  const findings: Finding[] = [];
  const tier = facts.tier ?? (facts.agent ? activeSession(facts.state, facts.agent, facts.now)?.tier : undefined);
  const allowed = allowedRisk(facts.config, tier);
  const approved = trailerValue(facts.trailers, 'Approved-by') !== undefined;
  for (const gate of facts.config.gates) {
    const matchers = gate.paths.map(claimMatcher);
    const touched = facts.paths.filter((p) => matchers.some((m) => m(p)));
    if (touched.length === 0) continue;
    const list = touched.slice(0, 5).map(showPath).join(', ') + (touched.length > 5 ? ` and ${touched.length - 5} more` : '');
    if (facts.agent && riskRank(gate.risk) > riskRank(allowed)) {
      findings.push({
        level: 'block',
        rule: 'gates',
        paths: touched,
        message: `${list}: gated at risk ${gate.risk}${gate.description ? ` (${gate.description})` : ''}; ${facts.agent}'s ${tier ? `tier ${tier}` : 'tier 1 (no session)'} allows up to ${allowed}`,
        hint: 'Start a session at a tier allowed to touch it, or hand this part to one.',
      });
    }
    if (gate.requires === 'approval' && facts.trailers !== undefined && !approved) {
      findings.push({
        level: 'block',
        rule: 'approval',
        paths: touched,
        message: `${list}: gated at risk ${gate.risk} and needs approval`,
        hint: 'Add an `Approved-by: NAME <email>` trailer to the commit message once someone has approved it.',
      });
    }
  }
  return findings;
}

/** `sessions.required`, the branch pattern, and a red baseline the session is not fixing. */
export function sessionFindings(facts: CommitFacts): Finding[] {
  if (!facts.agent) return [];
  const findings: Finding[] = [];
  const session = activeSession(facts.state, facts.agent, facts.now);
  if (!session && facts.config.sessions.required) {
    findings.push({
      level: 'block',
      rule: 'sessions',
      message: `${facts.agent} has no active session, and sessions.required is set`,
      hint: 'Start one: agentsync start --goal "…" --tier N',
    });
  }
  if (facts.branch && !branchMatches(facts.config.branches.pattern, facts.agent, facts.branch)) {
    findings.push({
      level: facts.config.branches.enforce === 'block' ? 'block' : 'warn',
      rule: 'branches',
      message: `branch ${facts.branch} does not match branches.pattern ${facts.config.branches.pattern}`,
      hint: `Work on a branch such as ${exampleBranch(facts.config.branches.pattern, facts.agent)}.`,
    });
  }
  if (session?.baseline?.status === 'red' && !session.fixingBaseline) {
    findings.push({
      level: 'block',
      rule: 'baseline',
      message: `session ${session.id} started on a red baseline (failing: ${session.baseline.failing.join(', ')})`,
      hint: 'Fix the baseline first: end this session and start one with --fixing-baseline.',
    });
  }
  return findings;
}

/** Every finding for a commit being made, in the order the hooks report them. */
export function evaluateCommit(facts: CommitFacts): Finding[] {
  return [...claimFindings(facts), ...hotFileFindings(facts), ...gateFindings(facts), ...sessionFindings(facts)];
}
