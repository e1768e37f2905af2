/**
 * The data each operation hands back, built in one place so the CLI's `--json` and the MCP
 * server's `structuredContent` are the same object (docs/mcp.md).
 */
import type { Assessment, Handoff, HealthCheckReport, PathCheck } from '@agentsync/core/app';

/** `check`: free when nothing blocks; `offline` when the remote could not be reached. */
export const checkResult = (agent: string | undefined, checked: readonly string[], { blocked, offline }: PathCheck) => ({
  ok: blocked.length === 0,
  agent: agent ?? null,
  checked: checked.length,
  blocked,
  ...(offline ? { offline } : {}),
});

/** `start`: the whole assessment. */
export const startResult = (agent: string, assessment: Assessment) => ({ ok: true, agent, ...assessment });

/** `end`: the whole handoff. */
export const endResult = (agent: string, handoff: Handoff) => ({ ok: true, agent, ...handoff });

/** `health`: the run, the baseline it was compared with, and the comparison. */
export const healthResult = ({ result, baseline, comparison }: HealthCheckReport) => ({ ok: !comparison.blocked, ...result, baseline: baseline ?? null, ...comparison });
