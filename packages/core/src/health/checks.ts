/** The health checks a config defines, and what identifies one in the cache. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../config/duration';
import type { AgentSyncConfig } from '../config/schema';
import { UsageError } from '../errors';

const DEFAULT_TIMEOUT_MS = 15 * 60_000;

export interface HealthCheck {
  name: string;
  /** A shell command, run from the tree's root. */
  run: string;
  timeoutMs: number;
  /** A command whose cached pass on the same tree stands for this one's: `nx run-many` covers `nx affected`. */
  coveredBy?: string;
}

/** The checks `health.commands` and `health.targets` define; targets need Nx and, given a base, run on affected projects. */
export function healthChecks(config: AgentSyncConfig, root: string, base?: string): HealthCheck[] {
  const checks: HealthCheck[] = config.health.commands.map((c) => ({
    name: c.name,
    run: c.run,
    timeoutMs: c.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(c.timeout),
  }));
  if (config.health.targets.length === 0) return checks;
  if (!existsSync(join(root, 'nx.json'))) {
    throw new UsageError('health.targets lists Nx targets, but this repository has no nx.json.', {
      where: '.agentsync.json: health.targets',
      hint: 'Use health.commands for repositories without Nx, or remove health.targets.',
    });
  }
  for (const target of config.health.targets) {
    const nx = (scope: string) => `npx --no-install nx ${scope} -t ${shellQuote(target)} --outputStyle=static`;
    checks.push({
      name: `nx:${target}`,
      run: nx(base ? `affected --base=${shellQuote(base)}` : 'run-many'),
      timeoutMs: DEFAULT_TIMEOUT_MS,
      // Every project passing implies the affected ones pass: `end` then a push runs nothing twice.
      ...(base ? { coveredBy: nx('run-many') } : {}),
    });
  }
  return checks;
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** A short hash of what a check means: its name and command (not its timeout). */
export function healthConfigHash(check: Pick<HealthCheck, 'name' | 'run'>): string {
  return createHash('sha1').update(JSON.stringify([check.name, check.run])).digest('hex').slice(0, 12);
}
