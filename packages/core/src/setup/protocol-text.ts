/**
 * The sentences every statement of the protocol shares: the instruction files (AGENTS.md …),
 * the Agent Skill, the session commands and the MCP server's instructions each say them in
 * these words, so no two of them can disagree.
 */

/** How AgentSync knows who the agent is (hooks, CLI and MCP server resolve it the same way). */
export const IDENTITY_SENTENCE =
  'AgentSync identifies you per running agent session where the tool tells it; otherwise pass `--agent <id>` or set `AGENTSYNC_AGENT=<id>`. Work on a branch named `<id>/<feature>`.';

/** What a refused claim means and what to do instead. */
export const REFUSAL_SENTENCE =
  'A refused claim names the holder, the glob and when the lease expires: do not edit those paths; pick other work, claim something narrower, or ask the holder to release it.';

/** The hooks enforce the protocol: going around them is never the fix. */
export const NO_BYPASS_SENTENCE = 'Never bypass the hooks with `--no-verify`.';
