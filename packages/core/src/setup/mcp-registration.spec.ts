import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors';
import { memoryHost } from './file-host.fixtures';
import { MCP_CONFIG_FILES, mcpServerCommand, registerMcpServer, unregisterMcpServer } from './mcp-registration';

const NPX = mcpServerCommand('node_modules/.bin/agentsync');

/** Each tool's config as a user may already have it: other servers, other settings, comments. */
const USER_FILES: Record<string, string> = {
  '.mcp.json': '{\n    "mcpServers": {\n        "github": { "command": "gh-mcp" }\n    }\n}\n',
  '.codex/config.toml': [
    '# my codex settings',
    'model = "o4"',
    '',
    '[mcp_servers.docs]',
    'command = "docs-mcp" # the docs server',
    '',
    '[profiles.fast]',
    'model = "o4-mini"',
    '',
  ].join('\n'),
  '.gemini/settings.json': '{\n  // Gemini allows comments\n  "theme": "dark",\n  "mcpServers": {}\n}\n',
  '.vscode/mcp.json': '{\n\t"inputs": [],\n\t"servers": {\n\t\t"db": { "type": "stdio", "command": "db-mcp" }\n\t}\n}\n',
  '.cursor/mcp.json': '{"mcpServers":{"x":{"command":"x"}}}\n',
};

describe('registerMcpServer', () => {
  it('starts the project binary through npx --no, or yarn under Plug\'n\'Play', () => {
    expect(NPX).toEqual({ command: 'npx', args: ['--no', 'agentsync', 'mcp'] });
    expect(mcpServerCommand('yarn agentsync')).toEqual({ command: 'yarn', args: ['agentsync', 'mcp'] });
  });

  it('creates each tool\'s file with the server under its key', () => {
    const { host, disk } = memoryHost();
    const changed = registerMcpServer(host, NPX);
    expect(changed.map((c) => `${c.action} ${c.path}`)).toEqual(MCP_CONFIG_FILES.map((c) => `created ${c.file}`));
    expect(JSON.parse(disk.get('.mcp.json')!)).toEqual({ mcpServers: { agentsync: { type: 'stdio', command: 'npx', args: ['--no', 'agentsync', 'mcp'] } } });
    expect(JSON.parse(disk.get('.vscode/mcp.json')!)).toEqual({ servers: { agentsync: { type: 'stdio', command: 'npx', args: ['--no', 'agentsync', 'mcp'] } } });
    expect(JSON.parse(disk.get('.gemini/settings.json')!)).toEqual({ mcpServers: { agentsync: { command: 'npx', args: ['--no', 'agentsync', 'mcp'] } } });
    expect(JSON.parse(disk.get('.cursor/mcp.json')!)).toEqual({ mcpServers: { agentsync: { command: 'npx', args: ['--no', 'agentsync', 'mcp'] } } });
    expect(disk.get('.codex/config.toml')).toBe('[mcp_servers.agentsync]\ncommand = "npx"\nargs = ["--no", "agentsync", "mcp"]\nenv_vars = ["AGENTSYNC_AGENT"]\n');
  });

  it('merges into existing files keeping every user key, comment and indentation; a second run changes nothing', () => {
    const { host, disk } = memoryHost(USER_FILES);
    expect(registerMcpServer(host, NPX).map((c) => c.action)).toEqual(MCP_CONFIG_FILES.map(() => 'updated'));
    const claude = disk.get('.mcp.json')!;
    expect(JSON.parse(claude).mcpServers.github).toEqual({ command: 'gh-mcp' });
    expect(claude).toContain('\n        "agentsync": {\n            "type": "stdio",');
    const gemini = disk.get('.gemini/settings.json')!;
    expect(gemini).toContain('// Gemini allows comments\n  "theme": "dark",');
    expect(disk.get('.vscode/mcp.json')).toContain('\t\t"db": { "type": "stdio", "command": "db-mcp" },\n\t\t"agentsync": {');
    expect(disk.get('.vscode/mcp.json')).toContain('\t"inputs": [],');

    const codex = disk.get('.codex/config.toml')!;
    expect(codex.startsWith(USER_FILES['.codex/config.toml'].trimEnd())).toBe(true);
    expect(parseToml(codex)).toMatchObject({
      model: 'o4',
      mcp_servers: { docs: { command: 'docs-mcp' }, agentsync: { command: 'npx', args: ['--no', 'agentsync', 'mcp'] } },
      profiles: { fast: { model: 'o4-mini' } },
    });

    const first = new Map(disk);
    expect(registerMcpServer(host, NPX)).toEqual([]);
    expect(disk).toEqual(first);
  });

  it('updates an older entry in place, keeping keys the user added to it', () => {
    const { host, disk } = memoryHost({
      '.mcp.json': '{"mcpServers":{"agentsync":{"command":"agentsync","args":["mcp"],"env":{"AGENTSYNC_AGENT":"me"}}}}',
      '.codex/config.toml': '[mcp_servers.agentsync]\nargs = [\n  "mcp",\n]\ncommand = "agentsync"\nstartup_timeout_sec = 20\n\n[mcp_servers.agentsync.env]\nX = "1"\n',
    });
    registerMcpServer(host, NPX);
    expect(JSON.parse(disk.get('.mcp.json')!).mcpServers.agentsync).toEqual({ command: 'npx', args: ['--no', 'agentsync', 'mcp'], env: { AGENTSYNC_AGENT: 'me' }, type: 'stdio' });
    expect(parseToml(disk.get('.codex/config.toml')!)).toEqual({
      mcp_servers: { agentsync: { command: 'npx', args: ['--no', 'agentsync', 'mcp'], env_vars: ['AGENTSYNC_AGENT'], startup_timeout_sec: 20, env: { X: '1' } } },
    });
  });

  it('refuses a file it cannot parse, naming the line, and writes nothing', () => {
    const { host, disk } = memoryHost({ '.gemini/settings.json': '{\n  "theme": "dark"\n  "x": 1\n}\n', '.codex/config.toml': 'model = \n' });
    expect(() => registerMcpServer(host, NPX)).toThrow(UsageError);
    expect(() => registerMcpServer(host, NPX)).toThrow(/\.codex\/config\.toml:1: invalid TOML/);
    disk.set('.codex/config.toml', '');
    expect(() => registerMcpServer(host, NPX)).toThrow(/\.gemini\/settings\.json:3: CommaExpected/);
    expect(disk.get('.gemini/settings.json')).toBe('{\n  "theme": "dark"\n  "x": 1\n}\n');
  });

  it('leaves a Codex server defined inline alone, with a message saying how to fix it', () => {
    const { host } = memoryHost({ '.codex/config.toml': 'mcp_servers = { agentsync = { command = "x" } }\n' });
    expect(() => registerMcpServer(host, NPX)).toThrow(/defines mcp_servers\.agentsync without a \[mcp_servers\.agentsync\] table/);
  });
});

describe('unregisterMcpServer', () => {
  it('takes out only AgentSync\'s entry, restoring the user\'s files byte for byte', () => {
    const { host, disk } = memoryHost(USER_FILES);
    registerMcpServer(host, NPX);
    const changed = unregisterMcpServer(host);
    expect(changed.map((c) => c.path)).toEqual(MCP_CONFIG_FILES.map((c) => c.file));
    expect(disk.get('.mcp.json')).toBe(USER_FILES['.mcp.json']);
    expect(disk.get('.codex/config.toml')).toBe(USER_FILES['.codex/config.toml']);
    expect(disk.get('.vscode/mcp.json')).toBe(USER_FILES['.vscode/mcp.json']);
    expect(disk.get('.cursor/mcp.json')).toBe(USER_FILES['.cursor/mcp.json']);
    // The user's empty "mcpServers" goes with AgentSync's entry: nothing else changes.
    expect(JSON.parse(disk.get('.gemini/settings.json')!.replace(/\/\/.*/, ''))).toEqual({ theme: 'dark' });
    expect(unregisterMcpServer(host)).toEqual([]);
  });

  it('deletes the files it created', () => {
    const { host, disk } = memoryHost();
    registerMcpServer(host, NPX);
    expect(unregisterMcpServer(host).map((c) => `${c.action} ${c.path}`)).toEqual(MCP_CONFIG_FILES.map((c) => `deleted ${c.file}`));
    expect(disk.size).toBe(0);
  });
});
