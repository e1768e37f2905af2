/** How health results look on a terminal and in plain logs. */
import { tailOf, type CheckResult, type Comparison, type HealthCheck, type HealthResult } from '@agentsync/core/health';
import type { AgentSyncConfig } from '@agentsync/core/config';
import { colors, type Io } from './io';

type HealthPolicy = AgentSyncConfig['health']['policy'];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * Live progress: a ticking line per check where stderr is a terminal, plain
 * lines otherwise. `stop` clears a ticking line a run left behind (Ctrl-C).
 */
export function progress(io: Io) {
  const c = colors(io);
  // Both streams on a terminal: with stdout piped, a ticking line would only clutter a log.
  const liveLine = io.isTTY ? io.liveLine : undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (!timer) return;
    clearInterval(timer);
    timer = undefined;
    liveLine?.('');
  };
  return {
    onStart(check: HealthCheck) {
      if (!liveLine) return io.err(`running ${check.name}…`);
      const started = Date.now();
      // Unref'd: an interrupted run must not be kept alive by its progress line.
      timer = setInterval(() => liveLine(`${c.dim('running')} ${check.name} ${seconds(Date.now() - started)}`), 250).unref();
    },
    onResult(result: CheckResult) {
      stop();
      const mark = result.status === 'pass' ? c.green('pass') : c.red(result.status === 'timeout' ? 'timed out' : 'fail');
      io.err(`${mark} ${result.name} ${result.cached ? c.dim('(cached)') : seconds(result.durationMs)}`);
    },
    stop,
  };
}

/** The verdict, naming regressions and showing each failing check's output tail. */
export function printHealth(io: Io, result: HealthResult, comparison: Comparison, hasBaseline: boolean, policy: HealthPolicy): void {
  const c = colors(io);
  if (result.checks.length === 0) {
    io.out('No health checks are configured (health.commands, health.targets in .agentsync.json): nothing to check.');
    return;
  }
  const show = (label: string, name: string) => {
    const check = result.checks.find((r) => r.name === name)!;
    const tail = tailOf(check, 20);
    io.err(`${label} ${name} (${check.status === 'timeout' ? 'timed out' : 'fail'}${tail.length ? '' : ', no output'})`);
    if (tail.length) io.err(tail.map((line) => `  | ${line}`).join('\n'));
  };
  for (const name of comparison.regressions) show(c.red(hasBaseline ? 'regression' : 'failing'), name);
  // Still red is only a note, unless the policy makes it block: then its output matters too.
  for (const name of comparison.stillRed) {
    if (policy === 'any-failure') show(c.red('still red'), name);
    else io.err(`${c.yellow('still red')} ${name} (red in the baseline too)`);
  }
  for (const name of comparison.fixed) io.out(`${c.green('fixed')} ${name}`);
  const failing = result.checks.filter((r) => r.status !== 'pass').length;
  io.out(
    comparison.blocked
      ? c.red(`health: ${failing} of ${result.checks.length} checks failing${hasBaseline ? `, ${comparison.regressions.length} regressed` : ''}`)
      : `health: ${failing === 0 ? c.green('green') : 'no regressions'} (${result.checks.length} checks)`,
  );
}
