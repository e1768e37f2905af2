import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateNodesContextV2, CreateNodesResultV2 } from '@nx/devkit';
import { ConfigError } from '@agentsync/core/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodes, createNodesV2, healthTarget, type AgentSyncPluginOptions } from './plugin';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A workspace on disk with these files; returns its root. */
function workspace(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'agentsync-nx-plugin-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

async function run(root: string, files: string[], options?: AgentSyncPluginOptions) {
  const context: CreateNodesContextV2 = { workspaceRoot: root, nxJsonConfiguration: {} };
  const results: CreateNodesResultV2 = await createNodes[1](files, options, context);
  return Object.fromEntries(
    results.flatMap(([, result]) => Object.entries(result.projects ?? {})).map(([projectRoot, project]) => [projectRoot, project.targets]),
  );
}

const projectFiles = ['package.json', 'project.json', 'packages/a/package.json', 'apps/b/project.json', 'fixtures/c/package.json'];

describe('createNodes', () => {
  it('gives each project, but not the workspace root or a stray package.json, the health target', async () => {
    const root = workspace({
      'package.json': { name: 'ws', workspaces: ['packages/*'] },
      '.agentsync.json': { health: { targets: ['build', 'test'] } },
    });
    expect(await run(root, projectFiles)).toEqual({
      'packages/a': { 'agentsync-health': healthTarget(['build', 'test']) },
      'apps/b': { 'agentsync-health': healthTarget(['build', 'test']) },
    });
    expect(healthTarget(['build', 'test'])).toEqual({
      executor: 'nx:noop',
      dependsOn: ['build', 'test'],
      cache: true,
      inputs: ['{workspaceRoot}/.agentsync.json'],
      metadata: {
        technologies: ['agentsync'],
        description: "AgentSync health: runs this project's build, test targets, those it has.",
      },
    });
    expect(createNodesV2).toBe(createNodes);
  });

  it('takes the target name and the checks from the options', async () => {
    const root = workspace({ 'package.json': { name: 'ws', workspaces: { packages: ['packages/**', '!packages/skip'] } } });
    const files = ['packages/a/package.json', 'packages/skip/package.json'];
    expect(await run(root, files, { targetName: 'health', targets: ['lint', 'health'] })).toEqual({
      'packages/a': { health: healthTarget(['lint']) },
    });
  });

  it("reads pnpm's workspace globs", async () => {
    const root = workspace({ 'package.json': { name: 'ws' }, 'pnpm-workspace.yaml': "packages:\n  - 'libs/*'\n" });
    expect(Object.keys(await run(root, ['libs/x/package.json', 'other/package.json']))).toEqual(['libs/x']);
  });

  it('has no checks without a config, and says so', async () => {
    const root = workspace({ 'package.json': { name: 'ws' } });
    const { 'apps/b': targets } = await run(root, ['apps/b/project.json']);
    expect(targets?.['agentsync-health']).toMatchObject({
      dependsOn: [],
      metadata: { description: expect.stringMatching(/no checks yet/) },
    });
  });

  it('fails on an invalid config rather than passing health with no checks', async () => {
    const root = workspace({ 'package.json': { name: 'ws' }, '.agentsync.json': '{"health": {"targets": "build"}}' });
    await expect(run(root, ['apps/b/project.json'])).rejects.toThrow(ConfigError);
  });
});
