/**
 * `agentsync init` on real repositories: what it writes for husky, what it
 * keeps, that a second run changes nothing, and that it keeps out of other
 * hook managers' way. One test runs the written hooks under real husky.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CLI, git, globalBin, makeBareRemote, makeRepo, makeTemp, pathWithoutAgentsync, repoAt, runProgram, type TestRepo } from './fixture';
import { json, run } from './e2e';
import { MERGE_DRIVER_COMMAND } from '@agentsync/core/merge-driver';
import { installHusky } from './husky';

/** Every file outside .git, with its bytes and mode. */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = join(prefix, entry.name);
    if (path === '.git' || path === 'node_modules') continue;
    if (entry.isDirectory()) Object.assign(files, snapshot(dir, path));
    else files[path] = `${statSync(join(dir, path)).mode.toString(8)} ${readFileSync(join(dir, path), 'utf8')}`;
  }
  return files;
}

const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md', '.github/copilot-instructions.md', 'GEMINI.md'];
/** A husky script's line: the runner (.agentsync/hooks/h, or husky's own) puts agentsync on PATH. */
const HOOK_LINE = (hook: string) => `agentsync hook ${hook} "$@"`;
/** Another hook manager's line, which no runner helps: the local binary by path. */
const MANAGER_LINE = (hook: string) => `node_modules/.bin/agentsync hook ${hook} "$@"`;

describe.concurrent('agentsync init', () => {
  it('writes the hooks folder and husky hooks, adds husky, points core.hooksPath there, and a second run changes no byte', async () => {
    const repo = await makeRepo({ config: null });
    repo.write('package.json', '{\n  "name": "app",\n  "scripts": {\n    "prepare": "npm run build",\n    "test": "vitest"\n  }\n}\n');
    const first = await run(repo.dir, ['init']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('created .husky/pre-commit');
    expect(first.stdout).toContain('updated package.json');
    for (const file of [...INSTRUCTION_FILES, '.gitattributes']) expect(first.stdout).toContain(`created ${file}\n`);
    for (const hook of ['pre-commit', 'commit-msg', 'pre-push']) {
      expect(readFileSync(join(repo.dir, '.husky', hook), 'utf8')).toBe(`${HOOK_LINE(hook)}\n`);
      expect(statSync(join(repo.dir, '.husky', hook)).mode & 0o111).toBeTruthy();
    }
    expect(statSync(join(repo.dir, '.agentsync/hooks/h')).mode & 0o111).toBeTruthy();
    expect((await repo.git(['config', 'core.hooksPath'])).trim()).toBe('.agentsync/hooks');
    const pkg = JSON.parse(readFileSync(join(repo.dir, 'package.json'), 'utf8'));
    expect(pkg.scripts.prepare).toBe('npm run build && husky && agentsync setup');
    expect(Object.keys(pkg.devDependencies).sort()).toEqual(['@agentsync/cli', 'husky']);
    expect(JSON.parse(readFileSync(join(repo.dir, '.agentsync.json'), 'utf8')).health.commands).toEqual([{ name: 'test', run: 'npm run test' }]);

    const before = snapshot(repo.dir);
    const second = await run(repo.dir, ['init']);
    expect(second).toMatchObject({ code: 0, stdout: 'AgentSync is already set up here; nothing changed.\n', stderr: '' });
    expect(snapshot(repo.dir)).toEqual(before);
    expect(json(await run(repo.dir, ['init', '--json']))).toEqual({ ok: true, changed: [], notes: [] });
  });

  it('keeps every line of an existing husky and lint-staged setup, and its hooks then work under real husky', async () => {
    const repo = await makeRepo({ config: null });
    const hooks = {
      'pre-commit': '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n\nnpx lint-staged\n',
      'commit-msg': 'npx --no -- commitlint --edit "$1"\n',
      'pre-push': 'git lfs pre-push "$@"\n',
    };
    for (const [hook, text] of Object.entries(hooks)) repo.write(`.husky/${hook}`, text);
    repo.write('package.json', JSON.stringify({ scripts: { prepare: 'husky' }, devDependencies: { husky: '^9.1.7' }, 'lint-staged': { '*.ts': 'eslint' } }, null, 2));
    expect((await run(repo.dir, ['init'])).code).toBe(0);

    for (const [hook, text] of Object.entries(hooks)) {
      const written = readFileSync(join(repo.dir, '.husky', hook), 'utf8');
      expect(written.split('\n').filter((line) => !/agentsync/.test(line))).toEqual(text.split('\n'));
      const first = written.split('\n').find((line) => !line.startsWith('#!'));
      expect(first).toMatch(new RegExp(`agentsync hook ${hook}\\b`));
    }
    // lint-staged stays where the repo runs it: AgentSync does not run it too.
    expect(JSON.parse(readFileSync(join(repo.dir, '.agentsync.json'), 'utf8')).hooks).toBeUndefined();

    // The hooks as the repo's husky runs them: a commit goes through, a claimed path is refused.
    await installHusky(repo);
    repo.write('.husky/pre-commit', readFileSync(join(repo.dir, '.husky/pre-commit'), 'utf8').replace('npx lint-staged', 'true'));
    repo.write('.husky/commit-msg', `${HOOK_LINE('commit-msg')}\n`);
    repo.write('.gitignore', 'node_modules\n');
    await repo.git(['add', '-A']);
    const env = { AGENTSYNC_AGENT: 'claude' };
    const committed = await runProgram('git', ['commit', '-q', '-m', 'set up agentsync'], { cwd: repo.dir, env });
    expect(committed.code, committed.stderr).toBe(0);
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'codex'])).code).toBe(0);
    repo.write('src/a.ts', 'a\n');
    await repo.git(['add', 'src/a.ts']);
    const blocked = await runProgram('git', ['commit', '-q', '-m', 'a'], { cwd: repo.dir, env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('src/a.ts is claimed by codex');
  });

  it('a fresh git worktree where nobody installed still runs the hooks: a commit on another agent\'s claim is blocked', async () => {
    const repo = await makeRepo({ config: null });
    repo.write('package.json', '{ "name": "app" }\n');
    repo.write('.gitignore', 'node_modules\n');
    expect((await run(repo.dir, ['init'])).code).toBe(0);
    // The install's "prepare": husky, then agentsync setup, which takes core.hooksPath back.
    await installHusky(repo);
    expect((await run(repo.dir, ['setup'])).code).toBe(0);
    expect((await repo.git(['config', 'core.hooksPath'])).trim()).toBe('.agentsync/hooks');
    const env = { AGENTSYNC_AGENT: 'claude', PATH: pathWithoutAgentsync() };
    await repo.git(['add', '-A']);
    expect((await runProgram('git', ['commit', '-q', '-m', 'agentsync'], { cwd: repo.dir, env })).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'codex'])).code).toBe(0);

    const worktree = repoAt(join(makeTemp('wt'), 'wt'));
    await repo.git(['worktree', 'add', '-q', '-b', 'claude/x', worktree.dir]);
    expect(existsSync(join(worktree.dir, 'node_modules'))).toBe(false);
    worktree.write('src/a.ts', 'a\n');
    await worktree.git(['add', 'src/a.ts']);
    const blocked = await runProgram('git', ['commit', '-q', '-m', 'a'], { cwd: worktree.dir, env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('src/a.ts is claimed by codex');
    await worktree.git(['rm', '-q', '--cached', 'src/a.ts']);
    worktree.write('docs.md', 'd\n');
    await worktree.git(['add', 'docs.md']);
    const free = await runProgram('git', ['commit', '-q', '-m', 'docs'], { cwd: worktree.dir, env });
    expect(free.code, free.stderr).toBe(0);
  });

  it('in a repository without Node, with agentsync on PATH, init leaves live hooks and no husky', async () => {
    const repo = await makeRepo({ config: null });
    repo.write('go.mod', 'module example.com/app\n');
    const env = { PATH: `${globalBin()}:${pathWithoutAgentsync()}`, AGENTSYNC_AGENT: 'claude' };
    const init = await run(repo.dir, ['init'], { env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('call `agentsync` from PATH');
    expect(existsSync(join(repo.dir, '.husky'))).toBe(false);
    expect(existsSync(join(repo.dir, 'package.json'))).toBe(false);
    await repo.git(['add', '-A']);
    expect((await runProgram('git', ['commit', '-q', '-m', 'agentsync'], { cwd: repo.dir, env })).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'cmd', '--agent', 'codex'])).code).toBe(0);
    repo.write('cmd/main.go', 'package main\n');
    await repo.git(['add', '-A']);
    const blocked = await runProgram('git', ['commit', '-q', '-m', 'main'], { cwd: repo.dir, env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('cmd/main.go is claimed by codex');
    // Without any agentsync to run, the hooks block and say why, rather than silently letting it through.
    const none = await runProgram('git', ['commit', '-q', '-m', 'main'], { cwd: repo.dir, env: { PATH: pathWithoutAgentsync() } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('agentsync pre-commit: blocked: no agentsync to run');
  });

  it("ships .pre-commit-hooks.yaml: one entry per stage, each running agentsync's hook from PATH", async () => {
    const entries: Array<{ id: string; entry: string; language: string; stages: string[]; pass_filenames?: boolean }> = parseYaml(
      readFileSync(join(__dirname, '../../../.pre-commit-hooks.yaml'), 'utf8'),
    );
    expect(entries.map((e) => [e.id, e.entry, e.stages])).toEqual(
      ['pre-commit', 'commit-msg', 'pre-push'].map((stage) => [`agentsync-${stage}`, `agentsync hook ${stage}`, [stage]]),
    );
    expect(entries.every((e) => e.language === 'system')).toBe(true);
    // As the framework runs the pre-commit entry (no file names): a claimed staged path blocks.
    const repo = await makeRepo();
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'codex'])).code).toBe(0);
    repo.write('src/a.ts', 'a\n');
    await repo.git(['add', '-A']);
    const env = { PATH: `${globalBin()}:${pathWithoutAgentsync()}`, AGENTSYNC_AGENT: 'claude' };
    const blocked = await runProgram('sh', ['-c', entries[0].entry], { cwd: repo.dir, env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('src/a.ts is claimed by codex');
  });

  it.each([
    ['pnpm', 'pnpm-lock.yaml'],
    ['yarn', 'yarn.lock'],
  ])('does the same in a %s repo', async (manager, lock) => {
    const repo = await makeRepo({ config: null });
    repo.write(lock, '');
    repo.write('package.json', '{"scripts":{"test":"vitest"}}\n');
    expect((await run(repo.dir, ['init'])).code).toBe(0);
    expect(readFileSync(join(repo.dir, '.husky/pre-commit'), 'utf8')).toBe(`${HOOK_LINE('pre-commit')}\n`);
    expect(JSON.parse(readFileSync(join(repo.dir, 'package.json'), 'utf8')).scripts.prepare).toBe('husky && agentsync setup');
    expect(JSON.parse(readFileSync(join(repo.dir, '.agentsync.json'), 'utf8')).health.commands).toEqual([{ name: 'test', run: `${manager} run test` }]);
  });

  it.each([
    ['lefthook', (repo: TestRepo) => repo.write('lefthook.yml', 'pre-commit:\n  commands: {}\n')],
    ['simple-git-hooks', (repo: TestRepo) => repo.write('.simple-git-hooks.json', '{"pre-commit":"npx lint-staged"}\n')],
    ['pre-commit', (repo: TestRepo) => repo.write('.pre-commit-config.yaml', 'repos: []\n')],
    ['core.hooksPath (.githooks)', (repo: TestRepo) => repo.git(['config', 'core.hooksPath', '.githooks'])],
  ])('leaves %s alone and prints the lines to add there', async (manager, setUp) => {
    const repo = await makeRepo({ config: null });
    repo.write('package.json', '{"name":"app"}\n');
    await setUp(repo);
    const before = snapshot(repo.dir);
    // The agent tools' hooks are no git hooks: init writes them under any hook manager (agent-tools specs).
    const result = await run(repo.dir, ['init', '--agents', 'none']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${manager} manages this repository's git hooks; AgentSync changed nothing there`);
    for (const hook of ['pre-commit', 'commit-msg', 'pre-push']) expect(result.stdout).toContain(`  ${hook}: ${MANAGER_LINE(hook)}\n`);
    const after = snapshot(repo.dir);
    const agentToolFile = (path: string) => INSTRUCTION_FILES.includes(path) || /^(\.mcp\.json$|\.(codex|gemini|vscode|cursor|agents|claude)\/|\.github\/prompts\/)/.test(path);
    expect(Object.keys(after).filter((path) => !(path in before) && !agentToolFile(path)).sort()).toEqual([
      '.agentsync.json',
      '.gitattributes',
      'AgentTracker.md',
    ]);
    for (const [path, content] of Object.entries(before)) expect(after[path]).toBe(content);
    expect((await repo.git(['config', '--get-all', 'core.hooksPath']).catch(() => '')).trim()).toBe(manager.startsWith('core') ? '.githooks' : '');
    await expect(repo.git(['config', '--global', '--list'])).rejects.toThrow();
  });

  it('refuses a package.json that does not parse, writing nothing', async () => {
    const repo = await makeRepo({ config: null });
    repo.write('package.json', '{ "name": ');
    const result = await run(repo.dir, ['init']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('package.json is not valid JSON');
    expect(existsSync(join(repo.dir, '.agentsync.json'))).toBe(false);
  });

  it.each([
    ['.mcp.json', '{"mcpServers": []}', '.mcp.json:1: "mcpServers" must be an object, not an array'],
    ['.mcp.json', '{"mcpServers": 3}', '.mcp.json:1: "mcpServers" must be an object, not a number'],
    ['.mcp.json', '{\n  "mcpServers": {\n    "agentsync": "x"\n  }\n}\n', '.mcp.json:3: "mcpServers.agentsync" must be an object, not a string'],
    ['.codex/config.toml', 'model = "o3"\nmcp_servers = 3\n', '.codex/config.toml:2: "mcp_servers" must be a table'],
  ])('refuses a %s whose servers are no object (%j) at its own line, writing nothing at all', async (file, content, message) => {
    const repo = await makeRepo({ config: null });
    repo.write('package.json', '{"name":"app"}\n');
    repo.write(file, content);
    const before = snapshot(repo.dir);
    const result = await run(repo.dir, ['init']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`agentsync: ${message}; AgentSync changed nothing.`);
    expect(result.stderr).toContain('How to fix: Make');
    expect(result.stderr).not.toContain('internal error');
    expect(snapshot(repo.dir)).toEqual(before);
  });
});

describe('agentsync init: merge driver and CI workflow', () => {
  it('registers the tracker merge driver in the clone', async () => {
    const repo = await makeRepo({ config: null });
    expect((await run(repo.dir, ['init'])).code).toBe(0);
    expect(await repo.git(['config', 'merge.agentsync-tracker.driver'])).toBe(`${MERGE_DRIVER_COMMAND}\n`);
    expect(readFileSync(join(repo.dir, '.gitattributes'), 'utf8')).toContain('AgentTracker.md merge=agentsync-tracker');
  });

  it('--ci github writes a valid workflow whose steps run locally and catch a --no-verify commit', async () => {
    const remote = await makeBareRemote();
    const repo = await makeRepo({ config: null });
    expect((await run(repo.dir, ['init', '--ci', 'github'])).code).toBe(0);
    const workflow = parseYaml(readFileSync(join(repo.dir, '.github/workflows/agentsync.yml'), 'utf8'));
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    const steps: Array<{ run?: string; uses?: string }> = workflow.jobs.verify.steps;
    expect(steps.filter((s) => s.uses).map((s) => s.uses)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4']);

    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '--no-verify', '-m', 'init']);
    await repo.git(['remote', 'add', 'origin', remote]);
    await repo.git(['push', '-q', 'origin', 'main']);
    const base = (await repo.git(['rev-parse', 'HEAD'])).trim();
    expect((await run(repo.dir, ['claim', 'src/**', '--agent', 'alice'])).code).toBe(0);
    await repo.git(['push', '-q', 'origin', 'refs/agentsync/state:refs/agentsync/state']);
    repo.write('src/x.ts', 'x\n');
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '--no-verify', '-m', 'sneak\n\nAgent: bob'], { GIT_COMMITTER_DATE: `${Math.floor(Date.now() / 1000) + 5} +0000` });
    const head = (await repo.git(['rev-parse', 'HEAD'])).trim();
    // init's hooks are live here (agentsync is on PATH): the push must skip them too to get through.
    await repo.git(['push', '-q', '--no-verify', 'origin', 'main']);

    // What actions/checkout gives: a fresh clone, without refs/agentsync/*.
    const ci = makeTemp('ci');
    await git(ci, ['clone', '-q', remote, '.']);
    const exits: number[] = [];
    const summary = join(makeTemp('summary'), 'step-summary.md');
    for (const step of steps.filter((s) => s.run && !s.run.startsWith('npm '))) {
      const script = step
        .run!.replaceAll('${{ github.event.pull_request.base.sha }}', base)
        .replaceAll('${{ github.event.pull_request.head.sha }}', head)
        .replaceAll('${{ github.event.pull_request.base.ref }}', 'main')
        .replaceAll('npx --no-install agentsync', `"${process.execPath}" "${CLI}"`);
      const result = await runProgram('bash', ['-e', '-c', script], { cwd: ci, env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
      exits.push(result.code);
      if (script.includes('verify')) expect(result.stdout).toMatch(/^::error file=src\/x\.ts,title=AgentSync claims::/m);
    }
    // The report runs even after verify failed (if: always()), appending to the summary verify wrote.
    expect(exits).toEqual([0, 1, 0]);
    expect(readFileSync(summary, 'utf8')).toMatch(/## AgentSync verify[\s\S]*## AgentSync report: main\n/);
  });

  it('refuses an unknown --ci with exit 2', async () => {
    const repo = await makeRepo({ config: null });
    expect((await run(repo.dir, ['init', '--ci', 'jenkins'])).code).toBe(2);
  });
});
