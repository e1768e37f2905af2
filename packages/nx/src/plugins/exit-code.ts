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

/** An option naming targets: `-t`, `--targets`, `--target`, with its value after `=` or in the tokens that follow. */
const TARGETS_OPTION = /^(?:-t|--targets?)(?:=(.*))?$/s;
/** The Nx commands whose first argument is not a target (`nx <target> <project>` is any other). */
const COMMANDS = new Set(['run', 'run-many', 'affected']);

/**
 * The targets a command line (`argv` of node and nx first) runs: the values of
 * `-t a,b`, `-t a b`, `--targets=a` and `--target a`, the target of
 * `nx run project:target[:configuration]`, and the first word of `nx target project`.
 * Never a project or a configuration that happens to bear a target's name.
 */
export function targetsOf(argv: readonly string[]): string[] {
  const args = argv.slice(2);
  const targets: string[] = [];
  // `run` is looked for anywhere: an option's value may come before it (`nx --outputStyle static run p:t`).
  const runAt = args.indexOf('run');
  const spec = runAt >= 0 ? args.slice(runAt + 1).find((arg) => !arg.startsWith('-') && arg.includes(':')) : undefined;
  const command = args.find((arg) => !arg.startsWith('-'));
  if (spec) targets.push(spec.split(':')[1] ?? '');
  else if (command !== undefined && !COMMANDS.has(command)) targets.push(command);
  args.forEach((arg, i) => {
    const option = TARGETS_OPTION.exec(arg);
    if (!option) return;
    const values = option[1] !== undefined ? [option[1]] : takeWhile(args.slice(i + 1), (next) => !next.startsWith('-'));
    targets.push(...values.flatMap((value) => value.split(',')));
  });
  return targets.filter(Boolean);
}

function takeWhile<T>(items: readonly T[], keep: (item: T) => boolean): T[] {
  const end = items.findIndex((item) => !keep(item));
  return items.slice(0, end === -1 ? items.length : end);
}

/**
 * The failed tasks of a run of the health target `target`, whose exit code Nx would get
 * wrong; none for any other run, and none for an interrupted one, which keeps its 130.
 */
export function failedHealthChecks(argv: readonly string[], results: TaskResults, target: string): string[] {
  if (!targetsOf(argv).includes(target)) return [];
  const all = Object.values(results);
  if (all.some(({ status }) => status === 'stopped')) return [];
  return all.filter(({ status }) => status === 'failure').map(({ task }) => task.id);
}

/** After a health run with a failed check, fails the command so Nx exits 1 rather than 130. */
export const postTasksExecution: PostTasksExecution<AgentSyncPluginOptions> = (options, context) => {
  const failed = failedHealthChecks(context.argv, context.taskResults, options?.targetName ?? HEALTH_TARGET_NAME);
  if (failed.length) throw new HealthChecksFailedError(failed);
};
