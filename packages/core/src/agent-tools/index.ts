/**
 * Inside the agent tools: their hook payloads as data, the edit-time guard, and
 * answers in each tool's dialect. The session lifecycle (start, shell, stop) is
 * its own entry point, `@agentsync/core/agent-tools/lifecycle`, so the guard that
 * runs before every edit loads none of it. The wiring `init` writes is in setup/.
 */
export * from './payload';
export * from './answer';
export * from './guard';
export * from './instances';
export { AGENT_TOOLS, isAgentTool, type AgentTool } from '../domain/agent-instance';
