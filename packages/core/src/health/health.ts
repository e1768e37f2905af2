/**
 * Health: run the configured checks on a tree (cached passes are not run
 * again), in place or in a temporary worktree, and cache the new passes.
 * checks.ts defines them, process.ts runs one, cache.ts keeps the passes,
 * domain/verdicts.ts compares a result with a baseline.
 */
import type { AgentSyncConfig } from '../config/schema';
import { HealthInterrupted } from '../errors';
import type { Repo } from '../git/git';
import type { CheckResult, HealthResult } from '../domain/verdicts';
import { cacheTree, cleanHeadTree, readCachedResults, writeCachedResult } from './cache';
import { healthChecks, type HealthCheck } from './checks';
import { killRunningChecks, runCheck } from './process';
import { inTemporaryWorktree } from './worktree';

export interface RunHealthOptions {
  /** Where to run the checks: the working tree (default) or a commit, checked out in a temporary worktree unless it is HEAD on a clean tree. */
  commit?: string;
  /** The base for Nx affected. */
  base?: string;
  onStart?: (check: HealthCheck) => void;
  onResult?: (result: CheckResult) => void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs the health checks (those already cached for the tree are not run again)
 * and caches the new passes. SIGINT, SIGTERM or SIGHUP stops every child and
 * records nothing (HealthInterrupted).
 */
export async function runHealth(repo: Repo, config: AgentSyncConfig, options: RunHealthOptions = {}): Promise<HealthResult> {
  const checks = healthChecks(config, repo.root, options.base);
  if (checks.length === 0) return { checks: [], green: true };
  // A commit's tree is known without looking at the working copy: a fully cached push reads nothing else.
  const tree = options.commit ? await cacheTree(repo, options.commit) : await cleanHeadTree(repo);
  const cached = tree ? await readCachedResults(repo, tree, checks) : new Map<string, CheckResult>();
  const missing = checks.some((c) => !cached.has(c.name));
  // A commit runs in place only when the working copy is exactly that tree; else in a temporary worktree.
  const elsewhere = options.commit && missing && tree !== (await cleanHeadTree(repo)) ? options.commit : undefined;

  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    killRunningChecks();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  const results: CheckResult[] = [];
  const runAll = async (cwd: string) => {
    for (const check of checks) {
      if (interrupted) return;
      let result = cached.get(check.name);
      if (!result) {
        options.onStart?.(check);
        result = await runCheck(check, cwd);
        if (interrupted) return;
      }
      results.push(result);
      options.onResult?.(result);
    }
  };
  try {
    await (elsewhere ? inTemporaryWorktree(repo, elsewhere, runAll) : runAll(repo.root));
  } catch (error) {
    // A signal also reaches git commands in our process group: their failure is the interruption.
    if (!interrupted) throw error;
  } finally {
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
  if (interrupted) throw new HealthInterrupted(interrupted);
  if (tree) {
    // Only passes are cached: a failure may be flaky, and a retry must really run again.
    for (const [i, result] of results.entries()) {
      if (!result.cached && result.status === 'pass') await writeCachedResult(repo, tree, checks[i], result);
    }
  }
  return { tree, checks: results, green: results.every((r) => r.status === 'pass') };
}
