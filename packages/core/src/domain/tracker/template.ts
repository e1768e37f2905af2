/** The AgentTracker.md that `agentsync init` writes. */
import { emptyRegion } from './model';
import { renderRegion } from './render';
import { HEADINGS, REGION_NAMES } from './types';

/** The AgentTracker.md that `agentsync init` writes: the protocol in prose, then all five regions, empty. */
export function createTrackerText(options: { projectName?: string; healthNote?: string } = {}): string {
  const title = options.projectName ? `# AgentTracker — ${options.projectName}` : '# AgentTracker';
  const prose = [
    title,
    '',
    'Shared memory for the AI coding agents and the humans working in this repository.',
    '',
    '## How to work here',
    '',
    '1. Read this file first: active sessions, claims, suggested next work and the latest handoffs.',
    '2. Start a session: `agentsync start --goal "…" --tier N --claim "path/or/glob/**"`',
    '   (tier 1 Simple … 4 Expert sets your token budget).',
    '3. Keep edits to hot files small, and write partial work down as you go: `agentsync note "…"`.',
    '4. Hand off: `agentsync end --summary "…" --next "…"` runs the health checks, releases your',
    '   claims and records what you did and what should come next.',
    '',
    'Edit the prose freely. The blocks between `agentsync:begin` and `agentsync:end` comments are',
    'managed by agentsync and rewritten on every update: change them through the commands above.',
    ...(options.healthNote ? ['', options.healthNote] : []),
  ];
  const regions = REGION_NAMES.flatMap((name) => [
    '',
    `## ${HEADINGS[name]}`,
    '',
    renderRegion(emptyRegion(name), '\n'),
  ]);
  return [...prose, ...regions, ''].join('\n');
}
