import { describe, expect, it } from 'vitest';
import { checkJsonObjectPath, withJsonSettings } from './json-settings';

describe('checkJsonObjectPath', () => {
  it('accepts objects and absent keys along the path, and a new file', () => {
    for (const text of [undefined, '', '{}', '{"mcpServers": {}}', '{"mcpServers": {"agentsync": {"command": "x"}}}']) {
      expect(() => checkJsonObjectPath(text, ['mcpServers', 'agentsync'], '.mcp.json'), String(text)).not.toThrow();
    }
  });

  it('refuses a key on the path that holds no object, at the line of its value, with how to fix', () => {
    const text = '{\n  // mine\n  "servers":\n    [1, 2]\n}\n';
    expect(() => checkJsonObjectPath(text, ['servers', 'agentsync'], '.vscode/mcp.json')).toThrow(
      expect.objectContaining({
        message: '.vscode/mcp.json:4: "servers" must be an object, not an array; AgentSync changed nothing.',
        where: '.vscode/mcp.json:4',
        hint: expect.stringContaining('or delete it'),
      }),
    );
    expect(() => withJsonSettings('{"mcpServers": {"agentsync": null}}', ['mcpServers', 'agentsync'], { command: 'x' }, '.mcp.json')).toThrow(
      '.mcp.json:1: "mcpServers.agentsync" must be an object, not null',
    );
  });
});
