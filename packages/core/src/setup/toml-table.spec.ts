import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { withoutTomlTable, withTomlTable } from './toml-table';

const PATH = ['mcp_servers', 'agentsync'];
const VALUES = { command: 'npx', args: ['--no', 'agentsync', 'mcp'] };

describe('withTomlTable', () => {
  it('finds the table however its header is written, and edits only its keys', () => {
    const text = '[mcp_servers . "agentsync"]   # ours\ncommand = "old" # was\nstartup_timeout_sec = 30\n\n# the docs server\n[mcp_servers.docs]\ncommand = "docs"\n';
    const next = withTomlTable(text, PATH, VALUES, 'config.toml');
    expect(next).toBe('[mcp_servers . "agentsync"]   # ours\ncommand = "npx"\nargs = ["--no", "agentsync", "mcp"]\nstartup_timeout_sec = 30\n\n# the docs server\n[mcp_servers.docs]\ncommand = "docs"\n');
    expect(withTomlTable(next, PATH, VALUES, 'config.toml')).toBe(next);
  });

  it('keeps CRLF line ends, and appends after a file with no final newline', () => {
    expect(withTomlTable('model = "o4"\r\n', PATH, VALUES, 'config.toml')).toBe('model = "o4"\r\n\r\n[mcp_servers.agentsync]\r\ncommand = "npx"\r\nargs = ["--no", "agentsync", "mcp"]\r\n');
    expect(withTomlTable('model = "o4"', PATH, { command: 'x' }, 'config.toml')).toBe('model = "o4"\n\n[mcp_servers.agentsync]\ncommand = "x"\n');
  });

  it('is not fooled by a table of a similar name', () => {
    const text = '[mcp_servers.agentsync-old]\ncommand = "x"\n';
    const next = withTomlTable(text, PATH, VALUES, 'config.toml');
    expect(parse(next)).toEqual({ mcp_servers: { 'agentsync-old': { command: 'x' }, agentsync: VALUES } });
  });
});

describe('withoutTomlTable', () => {
  it('removes the table and its sub-tables, keeping the comment that belongs to the next table', () => {
    const text = 'model = "o4"\n\n[mcp_servers.agentsync]\ncommand = "npx"\n\n[mcp_servers.agentsync.env]\nX = "1"\n\n# docs\n[mcp_servers.docs]\ncommand = "docs"\n';
    expect(withoutTomlTable(text, PATH, 'config.toml')).toBe('model = "o4"\n\n# docs\n[mcp_servers.docs]\ncommand = "docs"\n');
  });

  it('returns undefined when nothing else is left, and the text itself when the table is absent', () => {
    expect(withoutTomlTable('[mcp_servers.agentsync]\ncommand = "npx"\n', PATH, 'config.toml')).toBeUndefined();
    expect(withoutTomlTable('model = "o4"\n', PATH, 'config.toml')).toBe('model = "o4"\n');
  });
});
