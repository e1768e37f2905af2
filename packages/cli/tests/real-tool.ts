/**
 * The real agent-tool binaries for a describe block, from the shared harness
 * (tools/e2e/agent-tools.mjs: pinned, installed on first use outside the workspace).
 */
import { beforeAll, beforeEach } from 'vitest';
// @ts-expect-error plain JavaScript helpers shared with tools/ (no types)
import { AGENT_TOOL_PACKAGES, ensureTool } from '../../../tools/e2e/agent-tools.mjs';

export type ToolName = 'claude' | 'codex' | 'gemini' | 'copilot';

/** The pinned version of each tool, for test titles. */
export const TOOL_VERSIONS: Record<ToolName, string> = Object.fromEntries(
  Object.entries(AGENT_TOOL_PACKAGES as Record<ToolName, { version: string }>).map(([name, { version }]) => [name, version]),
) as Record<ToolName, string>;

/**
 * The real binary of `name` for the tests of the enclosing describe: installed (once)
 * before them, then `setUp`; where it cannot be installed every test is skipped, saying
 * why, or fails with AGENTSYNC_E2E_REQUIRE_TOOLS=1.
 */
export function realTool(name: ToolName, setUp: () => Promise<void> = async () => undefined): { bin: string; skip?: string } {
  const tool: { bin: string; skip?: string } = { bin: '' };
  beforeAll(async () => {
    Object.assign(tool, await ensureTool(name));
    if (tool.skip) console.warn(`agent-tools e2e: the real ${name} tests are skipped: ${tool.skip}`);
    else await setUp();
  }, 600_000);
  beforeEach((ctx) => {
    if (tool.skip) ctx.skip();
  });
  return tool;
}
