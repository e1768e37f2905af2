/**
 * `agentsync doctor` on real repositories: a working husky setup, and each way
 * hooks silently stop running, with the fix it names.
 */
import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo, makeTemp, pathWithoutAgentsync, repoAt, type TestRepo } from './fixture';
import { json, run } from './e2e';
import { installHusky } from './husky';

/** A repo set up by `agentsync init`, committed, installed as npm install would (husky && agentsync setup). */
async function initialized(): Promise<TestRepo> {
  const repo = await makeRepo({ config: null });
  repo.write('package.json', '{"name":"app"}\n');
  repo.write('.gitignore', 'node_modules\n');
  expect((await run(repo.dir, ['init'])).code).toBe(0);
  await repo.git(['add', '-A']);
  await repo.git(['commit', '-q', '--no-verify', '-m', 'agentsync']);
  // As the install's "prepare" does: husky, then agentsync setup.
  await installHusky(repo);
  expect((await run(repo.dir, ['setup'])).code).toBe(0);
  return repo;
}

const checks = async (dir: string, env?: NodeJS.ProcessEnv) => json<{ ok: boolean; findings: Array<{ check: string; problem: string; fix: string }> }>(await run(dir, ['doctor', '--json'], { env }), 1).findings;

describe.concurrent('agentsync doctor', () => {
  it('passes a working setup, also in a fresh worktree with no install; finds husky\'s per-checkout hooks path and a missing binary', async () => {
    const repo = await initialized();
    const noGlobal = { env: { PATH: pathWithoutAgentsync() } };
    expect(await run(repo.dir, ['doctor'], noGlobal)).toMatchObject({ code: 0, stdout: expect.stringContaining('all good'), stderr: '' });
    expect(json(await run(repo.dir, ['doctor', '--json'], noGlobal))).toEqual({ ok: true, findings: [] });

    const worktree = repoAt(makeTemp('worktree'));
    await repo.git(['worktree', 'add', '-q', '-b', 'claude/x', worktree.dir]);
    expect((await run(worktree.dir, ['doctor'], noGlobal)).code).toBe(0);

    // A bare `npx husky` takes core.hooksPath back to the per-checkout .husky/_.
    await repo.git(['config', 'core.hooksPath', '.husky/_']);
    rmSync(join(repo.dir, 'node_modules/.bin/agentsync'));
    const findings = await checks(worktree.dir, noGlobal.env);
    expect(findings.map((f) => f.check)).toEqual(['hooks', 'binary']);
    expect(findings[0]).toMatchObject({ problem: expect.stringContaining("husky's .husky/_"), fix: expect.stringContaining('agentsync setup') });
    expect(findings[1].problem).toContain('find no agentsync to run');
  });

  it('finds hooks git does not run, hook files without the AgentSync line, and a missing lint-staged', async () => {
    const repo = await initialized();
    await repo.git(['config', '--unset', 'core.hooksPath']);
    repo.write('.husky/pre-push', 'npm test\n');
    repo.write('.agentsync.json', '{ "hooks": { "lintStaged": true } }');
    const findings = await checks(repo.dir);
    expect(findings.map((f) => f.problem)).toEqual([
      'Hooks are not active: core.hooksPath is not set, so git never runs the hooks in .agentsync/hooks.',
      '.husky/pre-push does not call `agentsync hook pre-push`.',
      'hooks.lintStaged is set, but lint-staged is not installed, so every commit is blocked.',
    ]);
  });

  it("finds the agent tools' hook script missing or outdated, and a tool file whose AgentSync entries are incomplete", async () => {
    const repo = await initialized();
    const settings = JSON.parse(await repo.git(['show', 'HEAD:.claude/settings.json']));
    delete settings.hooks.PreToolUse;
    repo.write('.claude/settings.json', JSON.stringify(settings));
    repo.write('.agentsync/agent-hook.sh', '#!/bin/sh\nexit 0\n');
    const [finding] = await checks(repo.dir);
    expect(finding).toMatchObject({ check: 'agent-tools', problem: expect.stringContaining('.agentsync/agent-hook.sh, .claude/settings.json (without the script') });
    expect((await run(repo.dir, ['init'])).code).toBe(0);
    expect((await run(repo.dir, ['doctor'])).code).toBe(0);
  });

  it('finds an allowed-signers file that is not there, naming the key in .agentsync.json', async () => {
    const repo = await initialized();
    repo.write('.agentsync.json', '{ "identity": { "allowedSigners": "nope/file" } }');
    expect(await checks(repo.dir)).toEqual([
      {
        check: 'identity',
        problem: expect.stringMatching(/^identity\.allowedSigners in \.agentsync\.json names nope\/file, which does not exist \(.*nope\/file\)\. Every store write/),
        fix: expect.stringContaining('point identity.allowedSigners in .agentsync.json at it'),
      },
    ]);
    repo.write('nope/file', '');
    expect((await run(repo.dir, ['doctor'])).code).toBe(0);
  });

  it('checks hooks outside husky, and reports an invalid or missing config first', async () => {
    const repo = await makeRepo();
    await repo.git(['config', 'core.hooksPath', '.githooks']);
    repo.write('.githooks/pre-commit', '#!/bin/sh\nnode_modules/.bin/agentsync hook pre-commit "$@"\n');
    const findings = await checks(repo.dir);
    expect(findings.map((f) => `${f.check}: ${f.problem}`)).toEqual([
      expect.stringMatching(/^hooks: No commit-msg hook runs AgentSync in this worktree \(looked in \S*\.githooks and/),
      expect.stringMatching(/^hooks: No pre-push hook/),
      expect.stringMatching(/^binary: /),
    ]);

    repo.write('.agentsync.json', '{ "nope": 1 }');
    expect((await checks(repo.dir)).map((f) => f.check)).toEqual(['config']);
    const none = await makeRepo({ config: null });
    expect(await checks(none.dir)).toEqual([{ check: 'config', problem: expect.stringContaining('There is no .agentsync.json'), fix: 'Run `agentsync init`.' }]);
  });
});
