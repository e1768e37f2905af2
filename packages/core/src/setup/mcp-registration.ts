/**
 * Registering `agentsync mcp` with each agent tool, in the project-level file the
 * tool reads (one table below), merged into what is there: only AgentSync's own
 * server entry changes, every other server and setting is kept, a second run
 * changes nothing, and {@link unregisterMcpServer} takes it out again.
 *
 * Formats, from each tool's documentation:
 * - Claude Code, `.mcp.json`: `{"mcpServers": {NAME: {"type": "stdio", "command", "args", "env"}}}`
 *   (https://code.claude.com/docs/en/mcp, "project scope"). The Copilot CLI reads the same file
 *   (`copilot mcp --help`: "Workspace .mcp.json or .github/mcp.json").
 * - Codex, `.codex/config.toml`: `[mcp_servers.NAME]` with `command`, `args`, `env`, `env_vars`
 *   (https://developers.openai.com/codex/mcp; read in trusted projects only). Codex passes its
 *   MCP servers only a short allow-list of variables (openai/codex docs/config.md): `env_vars`
 *   forwards AGENTSYNC_AGENT, so an identity set by hand reaches the server.
 * - Gemini CLI, `.gemini/settings.json`: `{"mcpServers": {NAME: {"command", "args", "env", "cwd"}}}`
 *   (https://geminicli.com/docs/tools/mcp-server).
 * - GitHub Copilot in VS Code, `.vscode/mcp.json`: `{"servers": {NAME: {"type": "stdio", "command", "args"}}}`
 *   (https://code.visualstudio.com/docs/copilot/customization/mcp-servers).
 * - Cursor, `.cursor/mcp.json`: `{"mcpServers": {NAME: {"command", "args", "env"}}}`
 *   (https://cursor.com/docs/context/mcp).
 */
import { writeIfChanged, type FileChange, type FileHost } from './file-host';
import { withJsonSettings, withoutJsonSetting } from './json-settings';
import { withoutTomlTable, withTomlTable } from './toml-table';

/** The server's name in every tool's config: tools show its tools as `mcp__agentsync__claim` and the like. */
export const MCP_SERVER_NAME = 'agentsync';

export type McpClient = 'claude' | 'codex' | 'gemini' | 'vscode' | 'cursor';

export interface McpServerCommand {
  command: string;
  args: string[];
}

interface McpConfigFile {
  client: McpClient;
  file: string;
  format: 'json' | 'toml';
  /** Where the servers live in the file; the entry is `[...servers, MCP_SERVER_NAME]`. */
  servers: string[];
  /** The entry's keys for this tool, around the command. */
  entry(command: McpServerCommand): Record<string, unknown>;
}

/** Every file AgentSync registers its MCP server in. */
export const MCP_CONFIG_FILES: readonly McpConfigFile[] = [
  { client: 'claude', file: '.mcp.json', format: 'json', servers: ['mcpServers'], entry: (c) => ({ type: 'stdio', ...c }) },
  { client: 'codex', file: '.codex/config.toml', format: 'toml', servers: ['mcp_servers'], entry: (c) => ({ ...c, env_vars: ['AGENTSYNC_AGENT'] }) },
  { client: 'gemini', file: '.gemini/settings.json', format: 'json', servers: ['mcpServers'], entry: (c) => ({ ...c }) },
  { client: 'vscode', file: '.vscode/mcp.json', format: 'json', servers: ['servers'], entry: (c) => ({ type: 'stdio', ...c }) },
  { client: 'cursor', file: '.cursor/mcp.json', format: 'json', servers: ['mcpServers'], entry: (c) => ({ ...c }) },
];

/**
 * How the tools start the server. `npx --no` runs the project's own agentsync (found from any
 * subdirectory) and never downloads a package of that name; `bin` is how the hooks reach the
 * binary, and Yarn Plug'n'Play (`yarn agentsync`) has no node_modules/.bin for npx to find.
 */
export function mcpServerCommand(bin: string): McpServerCommand {
  const [command, ...rest] = bin.startsWith('yarn ') ? bin.split(' ') : ['npx', '--no', 'agentsync'];
  return { command, args: [...rest, 'mcp'] };
}

/** Registers the MCP server in every tool's config file behind `host`; returns the files changed. */
export function registerMcpServer(host: FileHost, command: McpServerCommand): FileChange[] {
  const changed: FileChange[] = [];
  for (const config of MCP_CONFIG_FILES) {
    const path = [...config.servers, MCP_SERVER_NAME];
    const text = host.read(config.file);
    const values = config.entry(command);
    const next = config.format === 'json' ? withJsonSettings(text, path, values, config.file) : withTomlTable(text, path, values, config.file);
    writeIfChanged(host, changed, config.file, next);
  }
  return changed;
}

/**
 * Takes AgentSync's server out of every tool's config file, keeping everything else; a file
 * left with nothing in it is deleted. For `agentsync uninstall`. Returns the files changed.
 */
export function unregisterMcpServer(host: FileHost & Required<Pick<FileHost, 'remove'>>): FileChange[] {
  const changed: FileChange[] = [];
  for (const config of MCP_CONFIG_FILES) {
    const text = host.read(config.file);
    if (text === undefined) continue;
    const path = [...config.servers, MCP_SERVER_NAME];
    const next = config.format === 'json' ? withoutJsonSetting(text, path, config.file) : withoutTomlTable(text, path, config.file);
    if (next === undefined) {
      host.remove(config.file);
      changed.push({ path: config.file, action: 'deleted' });
    } else {
      writeIfChanged(host, changed, config.file, next);
    }
  }
  return changed;
}
