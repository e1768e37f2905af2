import type { PostTasksExecutionContext, TaskResult, TaskResults } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { failedHealthChecks, HealthChecksFailedError, postTasksExecution, targetsOf } from './exit-code';

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

describe('targetsOf', () => {
  it('reads -t, --targets and --target, with = or spaces, comma or space separated', () => {
    expect(targetsOf(nx('run-many', '-t', 'lint,test'))).toEqual(['lint', 'test']);
    expect(targetsOf(nx('run-many', '-t', 'lint', 'test', '--parallel=2'))).toEqual(['lint', 'test']);
    expect(targetsOf(nx('run-many', '-t=lint,test'))).toEqual(['lint', 'test']);
    expect(targetsOf(nx('run-many', '--targets=lint,test'))).toEqual(['lint', 'test']);
    expect(targetsOf(nx('run-many', '--targets', 'lint,test', '--projects', 'a'))).toEqual(['lint', 'test']);
    expect(targetsOf(nx('affected', '--target=lint', '--base=main'))).toEqual(['lint']);
    expect(targetsOf(nx('affected', '--target', 'lint'))).toEqual(['lint']);
  });

  it('reads the target of nx run project:target[:configuration] and of nx target project', () => {
    expect(targetsOf(nx('run', 'a:lint'))).toEqual(['lint']);
    expect(targetsOf(nx('--outputStyle', 'static', 'run', 'a:agentsync-health'))).toEqual(['agentsync-health']);
    expect(targetsOf(nx('run', 'a:lint:ci', '--verbose'))).toEqual(['lint']);
    expect(targetsOf(nx('--verbose', 'run', 'a:lint'))).toEqual(['lint']);
    expect(targetsOf(nx('lint', 'a'))).toEqual(['lint']);
    expect(targetsOf(nx('lint'))).toEqual(['lint']);
  });

  it('takes no project, configuration or other option value for a target', () => {
    for (const argv of [
      nx('run', 'agentsync-health:build'),
      nx('run', 'a:build:agentsync-health'),
      nx('build', 'agentsync-health'),
      nx('run-many', '-t', 'build', '--projects', 'agentsync-health'),
      nx('run-many', '-t', 'build', '-p', 'agentsync-health'),
      nx('run-many', '-t', 'build', '-c', 'agentsync-health'),
      nx('run-many', '-t', 'build', '--configuration=agentsync-health'),
      nx('affected', '-t', 'build', '--exclude=agentsync-health'),
    ]) {
      expect(targetsOf(argv), argv.join(' ')).not.toContain('agentsync-health');
    }
  });
});

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
