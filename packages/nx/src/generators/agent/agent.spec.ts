import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { ConfigError } from '@agentsync/core/errors';
import { beforeEach, describe, expect, it } from 'vitest';
import { agentGenerator } from './agent';

const reviewer = { name: 'reviewer', tier: 2, role: 'Reviews pull requests', model: 'claude-sonnet', maxRisk: 'medium' as const, skipFormat: true };

describe('agent generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    tree.write('.agentsync.json', '{\n  "health": { "targets": ["test"] }\n}\n');
  });

  it('adds the profile to the agents catalog and lists it in AGENTS.md', async () => {
    await agentGenerator(tree, { ...reviewer, instructions: 'Comment, never push.' });
    expect(readJson(tree, '.agentsync.json')).toEqual({
      health: { targets: ['test'] },
      agents: [{ name: 'reviewer', role: 'Reviews pull requests', tier: 2, model: 'claude-sonnet', maxRisk: 'medium', instructions: 'Comment, never push.' }],
    });
    expect(tree.read('AGENTS.md', 'utf-8')).toContain(
      '- `reviewer` — Reviews pull requests (tier 2, model claude-sonnet, max risk medium): Comment, never push.',
    );
  });

  it('updates a profile of the same name in place, keeping the fields not given', async () => {
    await agentGenerator(tree, reviewer);
    await agentGenerator(tree, { name: 'docs', skipFormat: true });
    await agentGenerator(tree, { name: 'reviewer', tier: 3, skipFormat: true });
    expect(readJson(tree, '.agentsync.json').agents).toEqual([
      { name: 'reviewer', role: 'Reviews pull requests', tier: 3, model: 'claude-sonnet', maxRisk: 'medium' },
      { name: 'docs' },
    ]);
    const agents = tree.read('AGENTS.md', 'utf-8')!;
    expect(agents.match(/`reviewer`/g)).toHaveLength(1);
    expect(agents).toContain('- `reviewer` — Reviews pull requests (tier 3, model claude-sonnet, max risk medium)\n- `docs`\n');
  });

  it('changes no byte when run again with the same options, however the config is laid out', async () => {
    tree.write('.agentsync.json', '{"agents": [{"name": "reviewer", "role": "Reviews pull requests", "tier": 2, "model": "claude-sonnet", "maxRisk": "medium"}]}');
    await agentGenerator(tree, reviewer);
    const files = ['.agentsync.json', 'AGENTS.md', 'CLAUDE.md'].map((file) => tree.read(file, 'utf-8'));
    await agentGenerator(tree, reviewer);
    expect(['.agentsync.json', 'AGENTS.md', 'CLAUDE.md'].map((file) => tree.read(file, 'utf-8'))).toEqual(files);
    expect(files[0]).toMatch(/^\{"agents": \[/);
  });

  it('refuses a profile that would make the config invalid, naming the field, and writes nothing', async () => {
    const before = tree.read('.agentsync.json', 'utf-8');
    await expect(agentGenerator(tree, { name: 'bad name!', skipFormat: true })).rejects.toThrow(
      /Agent "bad name!" would make \.agentsync\.json invalid; nothing was written:\n {2}agents\[0\]\.name: expected an agent id/,
    );
    expect(tree.read('.agentsync.json', 'utf-8')).toBe(before);
    expect(tree.exists('AGENTS.md')).toBe(false);
  });

  it('reports problems already in the config with their line', async () => {
    tree.write('.agentsync.json', '{\n  "agents": [],\n  "health": { "targets": "build" }\n}\n');
    const error = await agentGenerator(tree, reviewer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ path: 'health.targets', line: 3 });
  });

  it('asks for init first when there is no config', async () => {
    tree.delete('.agentsync.json');
    await expect(agentGenerator(tree, reviewer)).rejects.toThrow('.agentsync.json does not exist: run `nx g @agentsync/nx:init` first.');
  });
});
