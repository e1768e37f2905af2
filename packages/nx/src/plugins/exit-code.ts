/**
 * The exit code of a failed health run. Nx 23.2 records no result for a task it skips
 * because a dependency failed, and counts a run with a task lacking a result as
 * interrupted: a failing check made `nx run-many -t agentsync-health` exit 130, the code
 * of Ctrl-C. A plugin hook that throws makes Nx exit 1, so after a health run with a
 * failed check this one throws, naming the checks (docs/inferred-targets.md, "Exit code").
 */
import type { PostTasksExecution, TaskResults } from '@nx/devkit';
import { HEALTH_TARGET_NAME } from '../utils/constants';
import type { AgentSyncPluginOptions } from './plugin';

/** A health run's checks failed; thrown from the hook, it is Nx's exit 1 and its last message. */
export class HealthChecksFailedError extends Error {
  constructor(readonly checks: readonly string[]) {
    super(`AgentSync health failed: ${checks.join(', ')}`);
    this.name = 'HealthChecksFailedError';
    // A verdict, not a crash: without a stack Nx does not add "Pass --verbose to see the stacktrace".
    this.stack = undefined;
  }
}

/** Whether the command line runs `target`: `-t a,b`, `--targets=a`, `nx run p:a[:conf]`, `nx a p`. */
function runsTarget(argv: readonly string[], target: string): boolean {
  return argv.slice(2).some((arg) => arg.split(/[=,:]/).includes(target));
}

/**
 * The failed tasks of a run of the health target `target`, whose exit code Nx would get
 * wrong; none for any other run, and none for an interrupted one, which keeps its 130.
 */
export function failedHealthChecks(argv: readonly string[], results: TaskResults, target: string): string[] {
  if (!runsTarget(argv, target)) return [];
  const all = Object.values(results);
  if (all.some(({ status }) => status === 'stopped')) return [];
  return all.filter(({ status }) => status === 'failure').map(({ task }) => task.id);
}

/** After a health run with a failed check, fails the command so Nx exits 1 rather than 130. */
export const postTasksExecution: PostTasksExecution<AgentSyncPluginOptions> = (options, context) => {
  const failed = failedHealthChecks(context.argv, context.taskResults, options?.targetName ?? HEALTH_TARGET_NAME);
  if (failed.length) throw new HealthChecksFailedError(failed);
};
