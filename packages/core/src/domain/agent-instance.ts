/**
 * One agent per running instance of an agent tool: `claude-1a2b3c4d` is the
 * Claude Code session whose id starts 1a2b3c4d. Pure, so identity, branch
 * matching and the hooks share one definition.
 */

/** The agent tools AgentSync wires; the order is the order `init` lists them in. */
export const AGENT_TOOLS = ['claude', 'codex', 'gemini', 'copilot', 'cursor'] as const;

export type AgentTool = (typeof AGENT_TOOLS)[number];

/** How many characters of a session id name the instance: 8 hex digits of a UUID, 4 billion values. */
const SHORT_ID_LENGTH = 8;

const INSTANCE_ID = new RegExp(`^(${AGENT_TOOLS.join('|')})-[a-z0-9]{${SHORT_ID_LENGTH}}$`);

/** Whether `name` is one of the agent tools. */
export const isAgentTool = (name: string): name is AgentTool => (AGENT_TOOLS as readonly string[]).includes(name);

/**
 * The agent id of the instance of `tool` whose session id is `sessionId`: the
 * tool's name and the first 8 letters and digits of the id, lowercased.
 * Undefined when the id has fewer than 8 (then the instance cannot be told apart).
 */
export function instanceAgentId(tool: AgentTool, sessionId: string | undefined): string | undefined {
  // UUIDv7 ids (Codex) start with a timestamp: two sessions started in the same minute share
  // their first 8 digits, so those take the random tail instead.
  const compact = (sessionId ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (compact.length < SHORT_ID_LENGTH) return undefined;
  const uuidV7 = /^[0-9a-f]{12}7[0-9a-f]{19}$/.test(compact);
  return `${tool}-${uuidV7 ? compact.slice(-SHORT_ID_LENGTH) : compact.slice(0, SHORT_ID_LENGTH)}`;
}

/** The tool an instance id such as `claude-1a2b3c4d` belongs to; undefined for any other agent id. */
export function toolOfInstance(agent: string): AgentTool | undefined {
  const match = INSTANCE_ID.exec(agent);
  return match ? (match[1] as AgentTool) : undefined;
}
