/**
 * `agentsync uninstall` after init and an install: everything AgentSync put in
 * goes, everything the repository had stays byte for byte.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo } from './fixture';
import { json, run } from './e2e';
import { installHusky } from './husky';

describe('agentsync uninstall', () => {
  it('takes out hooks, scripts, merge driver, instructions and (with --refs) the coordination refs, keeping what was there', async () => {
    const repo = await makeRepo({ config: null });
    const before = {
      'package.json': '{\n  "name": "app",\n  "scripts": {\n    "prepare": "patch-package"\n  }\n}\n',
      '.husky/pre-commit': '#!/bin/sh\nnpx lint-staged\n',
      '.gitattributes': '*.png binary\n',
      'AGENTS.md': '# Agents\n\nBe kind.\n',
    };
    for (const [path, text] of Object.entries(before)) repo.write(path, text);
    expect((await run(repo.dir, ['init'])).code).toBe(0);
    await installHusky(repo);
    expect((await run(repo.dir, ['setup'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'alice'])).code).toBe(0);

    const result = json(await run(repo.dir, ['uninstall', '--refs', '--json']));
    expect(result.refs).toEqual(['refs/agentsync/state']);
    expect(result.removed).toEqual(expect.arrayContaining(['deleted .agentsync/hooks/h', 'removed merge.agentsync-tracker from the git config']));
    const read = (path: string) => readFileSync(join(repo.dir, path), 'utf8');
    // Only the part init added goes: husky is yours now, and so is its "prepare".
    expect(JSON.parse(read('package.json')).scripts).toEqual({ prepare: 'patch-package && husky' });
    for (const path of ['.husky/pre-commit', '.gitattributes', 'AGENTS.md']) expect(read(path), path).toBe(before[path as keyof typeof before]);
    // The MCP registration, the skill and the session commands go too (and the folders they leave empty).
    for (const path of ['.husky/commit-msg', '.husky/pre-push', '.agentsync', 'CLAUDE.md', 'GEMINI.md', '.github', '.mcp.json', '.claude', '.agents', '.gemini', '.codex', '.vscode', '.cursor']) {
      expect(existsSync(join(repo.dir, path)), path).toBe(false);
    }
    expect(existsSync(join(repo.dir, '.agentsync.json'))).toBe(true);
    expect(existsSync(join(repo.dir, 'AgentTracker.md'))).toBe(true);
    expect((await repo.git(['config', 'core.hooksPath'])).trim()).toBe('.husky/_');
    expect(await repo.git(['config', '--get-regexp', '^merge\\.']).catch(() => '')).toBe('');
    expect(await repo.git(['for-each-ref', 'refs/agentsync'])).toBe('');

    const again = await run(repo.dir, ['uninstall']);
    expect(again).toMatchObject({ code: 0, stdout: 'AgentSync is not installed here; nothing changed.\n' });
  });

  it('keeps the coordination refs unless asked, and unsets core.hooksPath where no husky hook is left', async () => {
    const repo = await makeRepo({ config: null });
    expect((await run(repo.dir, ['init'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'alice'])).code).toBe(0);
    const result = await run(repo.dir, ['uninstall']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('unset core.hooksPath');
    expect(await repo.git(['config', 'core.hooksPath']).catch(() => 'unset')).toBe('unset');
    expect(await repo.git(['for-each-ref', '--format=%(refname)', 'refs/agentsync'])).toBe('refs/agentsync/state\n');
  });
});
