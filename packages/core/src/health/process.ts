/** Running one check: its own process group, a timeout, the tail of its output. */
import { spawn } from 'node:child_process';
import type { CheckResult, CheckStatus } from '../domain/verdicts';
import type { HealthCheck } from './checks';

const OUTPUT_TAIL_CHARS = 4000;

/** Processes still running, so Ctrl-C can stop every one of them. */
const running = new Set<number>();

/** Kills every check still running, with all it started. */
export function killRunningChecks(): void {
  for (const pid of running) killGroup(pid);
}

function killGroup(pid: number) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Variables git sets for hooks (GIT_DIR in a linked worktree) that would point
 * a check's own git commands at the pusher's worktree instead of its checkout.
 */
const GIT_LOCATION = new Set(['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX']);

/**
 * Runs one check in its own process group, so a timeout kills everything it
 * started; whatever it leaves running when its shell exits is killed too, since
 * a stray child holding the output pipe would otherwise keep the check open.
 */
export function runCheck(check: HealthCheck, cwd: string): Promise<CheckResult> {
  const started = Date.now();
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !GIT_LOCATION.has(key)));
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', check.run], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    let code: number | null = null;
    const collect = (text: string) => {
      output = (output + text).slice(-OUTPUT_TAIL_CHARS);
    };
    for (const stream of [child.stdout, child.stderr]) stream.setEncoding('utf8').on('data', collect);
    if (child.pid) running.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid);
    }, check.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (exitCode) => {
      code = exitCode;
      if (child.pid) killGroup(child.pid);
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (child.pid) running.delete(child.pid);
      const status: CheckStatus = timedOut ? 'timeout' : code === 0 ? 'pass' : 'fail';
      resolve({ name: check.name, status, durationMs: Date.now() - started, outputTail: output });
    });
  });
}
