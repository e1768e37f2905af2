/**
 * `agentsync hook agent-*` and .agentsync/agent-hook.sh as the agent tools run
 * them: payload on stdin, the answer in the tool's dialect, and an edit refused
 * whenever the check cannot run (fail closed), even with no CLI at all.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './e2e';
import { CLI, makeRepo, runProgram, type TestRepo } from './fixture';

const payload = (repo: TestRepo, file: string, extra: object = {}) =>
  JSON.stringify({ session_id: '91b8b624-2f67-46ce-8c6a-4c6e5ddb9621', cwd: repo.dir, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(repo.dir, file), content: 'x' }, ...extra });

/** The repo, wired for claude and codex, with alice holding src/held.ts. */
async function wiredRepo(): Promise<TestRepo> {
  const repo = await makeRepo({ config: null });
  expect((await repo.run(['init', '--agents', 'claude,codex'])).code).toBe(0);
  expect((await repo.run(['claim', 'src/held.ts', '--agent', 'alice'])).code).toBe(0);
  return repo;
}

/** Runs the hook script as a tool's hook line does, with `bin` (or none) as the CLI the script can find. */
function script(repo: TestRepo, args: string[], input: string, bin?: string) {
  mkdirSync(join(repo.dir, 'node_modules/.bin'), { recursive: true });
  if (bin) {
    writeFileSync(join(repo.dir, 'node_modules/.bin/agentsync'), bin);
    chmodSync(join(repo.dir, 'node_modules/.bin/agentsync'), 0o755);
  }
  // A PATH with sh and git but no agentsync.
  return runProgram('sh', [join(repo.dir, '.agentsync/agent-hook.sh'), ...args], { cwd: repo.dir, input, env: { PATH: '/usr/bin:/bin' } });
}

describe('agentsync hook agent-edit', () => {
  it('answers Claude Code with a deny naming the holder, and an allowed edit with nothing', async () => {
    const repo = await wiredRepo();
    const refused = await run(repo.dir, ['hook', 'agent-edit', '--tool', 'claude'], { input: payload(repo, 'src/held.ts') });
    expect(refused.code).toBe(0);
    const answer = JSON.parse(refused.stdout);
    expect(answer.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    expect(answer.hookSpecificOutput.permissionDecisionReason).toContain('src/held.ts is claimed by alice');
    const allowed = await run(repo.dir, ['hook', 'agent-edit', '--tool', 'claude'], { input: payload(repo, 'src/free.ts') });
    expect(allowed).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('refuses when it cannot check: a payload that is not JSON, a corrupt store', async () => {
    const repo = await wiredRepo();
    const garbage = await run(repo.dir, ['hook', 'agent-edit', '--tool', 'claude'], { input: 'not json' });
    expect(JSON.parse(garbage.stdout).hookSpecificOutput.permissionDecisionReason).toMatch(/^AgentSync could not check this edit, so it is refused \(fail closed\): the claude hook payload on stdin is not JSON/);
    // The state ref pointing at a file instead of a commit.
    await repo.git(['update-ref', 'refs/agentsync/state', (await repo.git(['rev-parse', 'HEAD:README.md'])).trim()]);
    const corrupt = await run(repo.dir, ['hook', 'agent-edit', '--tool', 'claude'], { input: payload(repo, 'src/free.ts') });
    expect(corrupt.code).toBe(0);
    expect(JSON.parse(corrupt.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringContaining('fail closed') });
  });

  it('is a usage error without a known --tool', async () => {
    const repo = await wiredRepo();
    const result = await run(repo.dir, ['hook', 'agent-edit', '--tool', 'vim'], { input: '{}' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs --tool claude|codex');
  });
});

describe('.agentsync/agent-hook.sh', () => {
  it('passes the payload to the CLI and its answer back', async () => {
    const repo = await wiredRepo();
    const result = await script(repo, ['edit', 'claude'], payload(repo, 'src/held.ts'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).hookSpecificOutput.permissionDecisionReason).toContain('claimed by alice');
  });

  it('refuses the edit when no CLI can be found, in each tool\'s terms, and lets the other events pass', async () => {
    const repo = await wiredRepo();
    const claude = await script(repo, ['edit', 'claude'], payload(repo, 'src/free.ts'));
    expect(claude.code).toBe(2);
    expect(claude.stderr).toContain('AgentSync could not check this edit, so it is refused (fail closed): the agentsync CLI is not installed');
    const copilot = await script(repo, ['edit', 'copilot'], '{}');
    expect(copilot.code).toBe(0);
    expect(JSON.parse(copilot.stdout)).toMatchObject({ permissionDecision: 'deny' });
    expect(await script(repo, ['start', 'claude'], '{}')).toMatchObject({ code: 0, stdout: '' });
  });

  it('refuses the edit when the CLI fails (exit 1, a crash), where the tools would let it through', async () => {
    const repo = await wiredRepo();
    const crashed = await script(repo, ['edit', 'codex'], payload(repo, 'src/free.ts'), '#!/bin/sh\necho boom >&2\nexit 1\n');
    expect(crashed.code).toBe(2);
    expect(crashed.stderr).toContain('agentsync exited with code 1');
  });
});
