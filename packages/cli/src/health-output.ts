/** How health results look on a terminal and in plain logs. */
import type { CheckResult, Comparison, HealthCheck, HealthResult } from '@agentsync/core/health';
import { colors, type Io } from './io';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Live progress: a ticking line per check on a terminal, plain lines otherwise. */
export function progress(io: Io) {
  const c = colors(io);
  let timer: NodeJS.Timeout | undefined;
  return {
    onStart(check: HealthCheck) {
      if (!io.isTTY) return io.err(`running ${check.name}…`);
      const started = Date.now();
      timer = setInterval(() => process.stderr.write(`\r${c.dim('running')} ${check.name} ${seconds(Date.now() - started)}`), 250);
    },
    onResult(result: CheckResult) {
      if (timer) {
        clearInterval(timer);
        timer = undefined;
        process.stderr.write('\r\x1b[K');
      }
      const mark = result.status === 'pass' ? c.green('pass') : c.red(result.status);
      io.err(`${mark} ${result.name} ${result.cached ? c.dim('(cached)') : seconds(result.durationMs)}`);
    },
  };
}

/** The verdict, naming regressions and showing each failing check's output tail. */
export function printHealth(io: Io, result: HealthResult, comparison: Comparison, hasBaseline: boolean): void {
  const c = colors(io);
  if (result.checks.length === 0) {
    io.out('No health checks are configured (health.commands, health.targets in .agentsync.json).');
    return;
  }
  for (const name of comparison.regressions) {
    const check = result.checks.find((r) => r.name === name)!;
    const tail = check.outputTail.trimEnd();
    io.err(`${c.red(hasBaseline ? 'regression' : 'failing')} ${name} (${check.status}${tail ? '' : ', no output'})`);
    if (tail) io.err(tail.split('\n').slice(-20).map((line) => `  | ${line}`).join('\n'));
  }
  for (const name of comparison.stillRed) io.err(`${c.yellow('still red')} ${name} (red in the baseline too)`);
  for (const name of comparison.fixed) io.out(`${c.green('fixed')} ${name}`);
  const failing = result.checks.filter((r) => r.status !== 'pass').length;
  io.out(
    comparison.blocked
      ? c.red(`health: ${failing} of ${result.checks.length} checks failing${hasBaseline ? `, ${comparison.regressions.length} regressed` : ''}`)
      : `health: ${failing === 0 ? c.green('green') : 'no regressions'} (${result.checks.length} checks)`,
  );
}
