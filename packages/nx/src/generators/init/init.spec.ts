import { existsSync } from 'node:fs';
import { addProjectConfiguration, logger, readJson, type ProjectGraph, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { hookLine, INSTRUCTIONS_BEGIN } from '@agentsync/core/setup';
import { initGenerator } from './init';

const devkit = vi.hoisted(() => ({
  graph: { nodes: {}, dependencies: {} } as ProjectGraph,
  installPackagesTask: vi.fn(),
}));

// The project graph is built from the disk, not the virtual Tree: tests hand one in.
vi.mock('@nx/devkit', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@nx/devkit')>()),
  createProjectGraphAsync: vi.fn(async () => devkit.graph),
  installPackagesTask: devkit.installPackagesTask,
}));

/** Every file in the tree with its content. */
function snapshot(tree: Tree): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of tree.children(dir)) {
      const path = dir ? `${dir}/${name}` : name;
      if (tree.isFile(path)) files[path] = tree.read(path, 'utf-8')!;
      else walk(path);
    }
  };
  walk('');
  return files;
}

function graphWithTargets(targets: Record<string, string[]>): ProjectGraph {
  const nodes = Object.fromEntries(
    Object.entries(targets).map(([name, names]) => [
      name,
      { name, type: 'lib' as const, data: { root: `packages/${name}`, targets: Object.fromEntries(names.map((t) => [t, {}])) } },
    ]),
  );
  return { nodes, dependencies: {} };
}

const changesOf = (tree: Tree, path: string) => tree.listChanges().find((change) => change.path === path);

describe('init generator', () => {
  let tree: Tree;

  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    devkit.graph = graphWithTargets({ mylib: ['build', 'test', 'typecheck', 'e2e'] });
    devkit.installPackagesTask.mockClear();
  });

  it('scaffolds config, tracker, hooks, instructions, attributes, plugin and devDependencies', async () => {
    addProjectConfiguration(tree, 'tools', { root: 'tools', targets: { lint: { executor: 'nx:noop' } } });
    await initGenerator(tree, { skipFormat: true });

    expect(readJson(tree, '.agentsync.json')).toEqual({
      $schema: './node_modules/@agentsync/cli/schema/agentsync.schema.json',
      // Only the candidates some project has (the graph's inferred ones and the Tree's), cheapest first.
      health: { targets: ['build', 'typecheck', 'lint', 'test'] },
      claims: { onEdit: 'claim' },
    });
    expect(tree.read('AgentTracker.md', 'utf-8')).toContain('<!-- agentsync:begin sessions -->');
    const changes = new Map(tree.listChanges().map((change) => [change.path, change]));
    for (const hook of ['pre-commit', 'commit-msg', 'pre-push'] as const) {
      expect(tree.read(`.husky/${hook}`, 'utf-8')).toBe(`${hookLine(hook)}\n`);
      expect(changes.get(`.husky/${hook}`)?.options?.mode).toBe('755');
    }
    const pkg = readJson(tree, 'package.json');
    expect(pkg.scripts).toEqual({ prepare: 'husky && agentsync setup' });
    // Nothing here uses lint-staged, so it is not added.
    expect(pkg.devDependencies).toEqual({ '@agentsync/cli': '^0.1.0', husky: '^9.1.7' });
    expect(readJson(tree, 'nx.json').plugins).toEqual(['@agentsync/nx']);
    for (const file of ['AGENTS.md', 'CLAUDE.md', '.github/copilot-instructions.md', 'GEMINI.md']) {
      expect(tree.read(file, 'utf-8')).toContain(INSTRUCTIONS_BEGIN);
    }
    expect(tree.read('AGENTS.md', 'utf-8')).toContain('npx nx affected -t agentsync-health');
    expect(tree.read('.gitattributes', 'utf-8')).toBe('AgentTracker.md merge=agentsync-tracker\n');
  });

  it('changes no byte on a second run', async () => {
    await initGenerator(tree, { skipFormat: true });
    const first = snapshot(tree);
    const modes = tree.listChanges().map((change) => [change.path, change.options?.mode]);
    await initGenerator(tree, { skipFormat: true });
    expect(snapshot(tree)).toEqual(first);
    expect(tree.listChanges().map((change) => [change.path, change.options?.mode])).toEqual(modes);
  });

  it('keeps what the user has: hooks, CLAUDE.md, devDependency specs, prepare, plugin entry', async () => {
    const preCommit = '#!/bin/sh\nnpx lint-staged\n';
    const claude = '# Claude\n\nAlways run the tests.\n';
    tree.write('.husky/pre-commit', preCommit);
    tree.write('CLAUDE.md', claude);
    tree.write(
      'package.json',
      JSON.stringify({ name: 'ws', scripts: { prepare: 'node setup.js' }, devDependencies: { husky: '^8.0.3', '@agentsync/cli': 'file:../cli.tgz' } }),
    );
    tree.write('nx.json', JSON.stringify({ plugins: [{ plugin: '@agentsync/nx', options: { targetName: 'health' } }] }));

    await initGenerator(tree, { skipFormat: true });

    expect(tree.read('.husky/pre-commit', 'utf-8')).toBe(`#!/bin/sh\n${hookLine('pre-commit')}\nnpx lint-staged\n`);
    expect(tree.read('CLAUDE.md', 'utf-8')).toMatch(new RegExp(`^${claude}\n${INSTRUCTIONS_BEGIN}\n\n@AGENTS.md\n`));
    const pkg = readJson(tree, 'package.json');
    expect(pkg.scripts.prepare).toBe('node setup.js && husky && agentsync setup');
    expect(pkg.devDependencies).toEqual({ husky: '^8.0.3', '@agentsync/cli': 'file:../cli.tgz', 'lint-staged': '^16.3.4' });
    expect(readJson(tree, 'nx.json').plugins).toEqual([{ plugin: '@agentsync/nx', options: { targetName: 'health' } }]);
  });

  it('keeps the order of package.json keys and of existing devDependencies; adds lint-staged only where it is configured', async () => {
    const pkg = { version: '1.0.0', name: 'ws', devDependencies: { zod: '^4.0.0', '@types/node': '^20.0.0' }, private: true, 'lint-staged': { '*.ts': 'eslint' } };
    tree.write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    await initGenerator(tree, { skipFormat: true });
    const written = readJson(tree, 'package.json');
    expect(Object.keys(written)).toEqual(['version', 'name', 'devDependencies', 'private', 'lint-staged', 'scripts']);
    expect(Object.keys(written.devDependencies)).toEqual(['zod', '@types/node', '@agentsync/cli', 'husky', 'lint-staged']);
  });

  it('leaves another hook manager alone and says what to add there', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    tree.write('lefthook.yml', 'pre-commit:\n  commands: {}\n');
    await initGenerator(tree, { skipFormat: true });
    expect(tree.exists('.husky/pre-commit')).toBe(false);
    expect(readJson(tree, 'package.json').devDependencies).toEqual({ '@agentsync/cli': '^0.1.0' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('lefthook manages'));
    // No runner puts the binary on another manager's PATH: the line names it by path.
    expect(warn).toHaveBeenCalledWith(`  pre-commit: ${hookLine('pre-commit', 'node_modules/.bin/agentsync')}`);
    warn.mockRestore();
  });

  it('keeps an existing config and does not build the project graph for it', async () => {
    const { createProjectGraphAsync } = await import('@nx/devkit');
    vi.mocked(createProjectGraphAsync).mockClear();
    tree.write('.agentsync.json', '{ "health": { "targets": ["test"] } }');
    await initGenerator(tree, { skipFormat: true });
    expect(tree.read('.agentsync.json', 'utf-8')).toBe('{ "health": { "targets": ["test"] } }');
    expect(createProjectGraphAsync).not.toHaveBeenCalled();
  });

  it('only records changes in the Tree, which --dry-run lists instead of writing', async () => {
    const seeded = new Set(tree.listChanges().map((change) => change.path));
    await initGenerator(tree, { skipFormat: true });
    expect(tree.listChanges().map((change) => change.path).filter((path) => !seeded.has(path)).sort()).toEqual([
      '.agents/skills/agentsync/SKILL.md',
      '.agentsync.json',
      '.agentsync/agent-hook.sh',
      '.agentsync/hooks/commit-msg',
      '.agentsync/hooks/h',
      '.agentsync/hooks/pre-commit',
      '.agentsync/hooks/pre-push',
      '.claude/commands/agentsync-end-session.md',
      '.claude/commands/agentsync-start-session.md',
      '.claude/settings.json',
      '.claude/skills/agentsync/SKILL.md',
      '.codex/config.toml',
      '.codex/hooks.json',
      '.cursor/hooks.json',
      '.cursor/mcp.json',
      '.gemini/commands/agentsync/end-session.toml',
      '.gemini/commands/agentsync/start-session.toml',
      '.gemini/settings.json',
      '.gitattributes',
      '.github/copilot-instructions.md',
      '.github/hooks/agentsync.json',
      '.github/prompts/agentsync-end-session.prompt.md',
      '.github/prompts/agentsync-start-session.prompt.md',
      '.husky/commit-msg',
      '.husky/pre-commit',
      '.husky/pre-push',
      '.mcp.json',
      '.vscode/mcp.json',
      'AGENTS.md',
      'AgentTracker.md',
      'CLAUDE.md',
      'GEMINI.md',
    ]);
    expect(existsSync(tree.root)).toBe(false);
  });

  it('wires only the agent tools --agents names, as the CLI does', async () => {
    await initGenerator(tree, { skipFormat: true, agents: 'claude,gemini' });
    expect(tree.exists('.claude/settings.json')).toBe(true);
    expect(tree.exists('.gemini/settings.json')).toBe(true);
    expect(tree.exists('.codex/hooks.json')).toBe(false);
    expect(tree.read('.claude/settings.json', 'utf-8')).toContain('.agentsync/agent-hook.sh\\" edit claude');
    expect(changesOf(tree, '.agentsync/agent-hook.sh')?.options?.mode).toBe('755');
  });

  it('returns the install task unless skipInstall', async () => {
    await (await initGenerator(tree, { skipFormat: true, skipInstall: true }))();
    expect(devkit.installPackagesTask).not.toHaveBeenCalled();
    await (await initGenerator(tree, { skipFormat: true }))();
    expect(devkit.installPackagesTask).toHaveBeenCalledWith(tree);
  });
});
