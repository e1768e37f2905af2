import type { PostTasksExecutionContext, TaskResult, TaskResults } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { failedHealthChecks, HealthChecksFailedError, postTasksExecution } from './exit-code';

/** Task results as Nx records them: only for the tasks that ran. */
function results(statuses: Record<string, TaskResult['status']>): TaskResults {
  return Object.fromEntries(
    Object.entries(statuses).map(([id, status]) => {
      const [project, target] = id.split(':');
      return [id, { task: { id, target: { project, target } }, status, code: status === 'failure' ? 1 : 0 } as TaskResult];
    }),
  );
}

const nx = (...args: string[]) => ['/usr/bin/node', '/ws/node_modules/.bin/nx', ...args];
const failedTest = results({ 'a:build': 'success', 'a:test': 'failure', 'b:test': 'success', 'b:agentsync-health': 'success' });

describe('failedHealthChecks', () => {
  it('names the failed checks of a health run, however the command line names the target', () => {
    for (const argv of [
      nx('run-many', '-t', 'agentsync-health'),
      nx('run-many', '--targets=build,agentsync-health'),
      nx('affected', '-t', 'agentsync-health', '--base=main'),
      nx('run', 'a:agentsync-health'),
      nx('run', 'a:agentsync-health:ci'),
      nx('agentsync-health', 'a'),
    ]) {
      expect(failedHealthChecks(argv, failedTest, 'agentsync-health'), argv.join(' ')).toEqual(['a:test']);
    }
  });

  it('leaves other runs, runs that passed and interrupted runs to Nx', () => {
    expect(failedHealthChecks(nx('run-many', '-t', 'test'), failedTest, 'agentsync-health')).toEqual([]);
    expect(failedHealthChecks(nx('run-many', '-t', 'agentsync-health'), results({ 'a:test': 'success', 'a:agentsync-health': 'local-cache' }), 'agentsync-health')).toEqual([]);
    const interrupted = results({ 'a:test': 'failure', 'b:test': 'stopped' });
    expect(failedHealthChecks(nx('run-many', '-t', 'agentsync-health'), interrupted, 'agentsync-health')).toEqual([]);
  });

  it('follows the targetName option', () => {
    expect(failedHealthChecks(nx('run-many', '-t', 'health'), failedTest, 'health')).toEqual(['a:test']);
    expect(failedHealthChecks(nx('run-many', '-t', 'agentsync-health'), failedTest, 'health')).toEqual([]);
  });
});

describe('postTasksExecution', () => {
  const context = (argv: string[], taskResults: TaskResults) => ({ argv, taskResults }) as unknown as PostTasksExecutionContext;

  it('throws, so Nx exits 1, after a health run with a failed check, naming the checks and no stack trace hint', () => {
    const run = () => postTasksExecution(undefined, context(nx('run-many', '-t', 'agentsync-health'), failedTest));
    expect(run).toThrow(HealthChecksFailedError);
    expect(run).toThrow('AgentSync health failed: a:test');
    try {
      run();
    } catch (error) {
      expect((error as Error).stack).toBeUndefined();
    }
  });

  it('returns quietly otherwise', () => {
    expect(postTasksExecution({ targetName: 'health' }, context(nx('run-many', '-t', 'agentsync-health'), failedTest))).toBeUndefined();
  });
});
