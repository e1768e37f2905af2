/** Health verdicts, pure: a run's results against a session's baseline, and how a failure is shown. */
import type { AgentSyncConfig } from '../config/schema';
import type { HealthRecord } from './state';

export type CheckStatus = 'pass' | 'fail' | 'timeout';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  durationMs: number;
  /** The last part of stdout and stderr together. */
  outputTail: string;
  /** Whether this came from the cache rather than a run. */
  cached?: boolean;
}

export interface HealthResult {
  /**
   * The tree checked, less AgentTracker.md (the cache key); undefined when the
   * working tree had uncommitted changes (then nothing is cached).
   */
  tree?: string;
  checks: CheckResult[];
  green: boolean;
}

export interface Comparison {
  regressions: string[];
  stillRed: string[];
  fixed: string[];
  /** Whether the policy blocks: regressions (or, with `any-failure`, any failure). */
  blocked: boolean;
}

/** The last `lines` lines of a check's output, for showing a failure. */
export function tailOf(result: CheckResult, lines: number): string[] {
  const text = result.outputTail.trimEnd();
  return text ? text.split('\n').slice(-lines) : [];
}

/** A failing check's last `lines` output lines, each indented under a `|`, to follow the message that names it. */
export function indentedTail(result: CheckResult, lines: number): string {
  return tailOf(result, lines).map((line) => `\n    | ${line}`).join('');
}

/** The record a session keeps of its baseline. */
export function toRecord(result: HealthResult, now: Date): HealthRecord {
  return {
    tree: result.tree ?? '(uncommitted changes)',
    status: result.green ? 'green' : 'red',
    failing: result.checks.filter((c) => c.status !== 'pass').map((c) => c.name),
    at: now.toISOString(),
  };
}

/**
 * Compares a result with a baseline: green then red is a regression, red in both
 * still red, red then green fixed. Without a baseline every failure counts as a
 * regression, since nothing says it was red before.
 */
export function compareWithBaseline(
  result: HealthResult,
  baseline: HealthRecord | undefined,
  policy: AgentSyncConfig['health']['policy'],
): Comparison {
  const failing = result.checks.filter((c) => c.status !== 'pass').map((c) => c.name);
  const wasFailing = new Set(baseline?.failing ?? []);
  const regressions = failing.filter((name) => !wasFailing.has(name));
  const stillRed = failing.filter((name) => wasFailing.has(name));
  const fixed = [...wasFailing].filter((name) => result.checks.some((c) => c.name === name && c.status === 'pass'));
  const blocked = policy === 'any-failure' ? failing.length > 0 : regressions.length > 0;
  return { regressions, stillRed, fixed, blocked };
}
