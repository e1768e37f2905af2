import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';

export default defineCommand({
  description: `
Serves AgentSync's operations as an MCP server on stdio, for agent tools:
tools status, claim, release, check, note, start_session, end_session, health;
resources agentsync://tracker, agentsync://claims, agentsync://session;
prompts start-session and end-session. \`agentsync init\` registers it with
Claude Code (.mcp.json), Codex, Gemini CLI, Copilot in VS Code and Cursor.
The agent is resolved on every call as the CLI resolves it, from the
environment the tool started the server with (docs/mcp.md).
`,
  json: 'ignored: the server speaks JSON-RPC on stdout',
  agent: 'act as this agent in every call',
  options: {},
  async run({ values, positionals, io }) {
    if (positionals.length) {
      throw new UsageError(`agentsync mcp takes no arguments, not ${JSON.stringify(positionals[0])}.`, { hint: 'Run `agentsync mcp`, or `agentsync mcp --agent ID` to act as one agent.' });
    }
    // Loaded here, not at the top: the SDK is for this command only, never the hooks'.
    const { serveStdio } = require('../mcp/server') as typeof import('../mcp/server');
    await serveStdio({ cwd: io.cwd, env: io.env, agentFlag: values.agent, version: require('../../package.json').version });
    return 0;
  },
});
