import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors';
import { memoryHost } from './file-host.fixtures';
import { HOOK_STUB, RUNNER } from './hooks-dir';
import { HOOKS, hookLine, initRepository, prePushLineKeepingStdin, withHookLine, type InitOptions } from './init';
import { parseAgentsOption } from './init';
import { AGENT_WIRING } from './agent-wiring';
import { AGENT_HOOK_SCRIPT } from './agent-hook-script';

const OPTIONS: InitOptions = { cliVersion: '^0.1.0', huskyVersion: '^9.1.7' };
/** What the agent-tool wiring adds to a scaffold (agent-wiring.spec.ts checks the contents). */


/** What the agent-tool hook wiring adds (agent-wiring.spec.ts checks the contents); .gemini/settings.json is the MCP registration's first. */
const wiredFiles = () => [AGENT_HOOK_SCRIPT, ...Object.values(AGENT_WIRING).map((wiring) => wiring.file)].filter((file) => !AGENT_TOOL_FILES.includes(file));

/** What init writes for the agent tools: MCP registrations, the skill, the session commands. */
const AGENT_TOOL_FILES = [
  '.mcp.json',
  '.codex/config.toml',
  '.gemini/settings.json',
  '.vscode/mcp.json',
  '.cursor/mcp.json',
  '.agents/skills/agentsync/SKILL.md',
  '.claude/skills/agentsync/SKILL.md',
  ...['start-session', 'end-session'].flatMap((name) => [
    `.claude/commands/agentsync-${name}.md`,
    `.gemini/commands/agentsync/${name}.toml`,
    `.github/prompts/agentsync-${name}.prompt.md`,
  ]),
];

describe('parseAgentsOption', () => {
  it('keeps the named tools in their usual order; none or blank is none; an unknown name is a usage error', () => {
    expect(parseAgentsOption(undefined)).toBeUndefined();
    expect(parseAgentsOption('Codex, claude')).toEqual(['claude', 'codex']);
    expect(parseAgentsOption('none')).toEqual([]);
    expect(parseAgentsOption('')).toEqual([]);
    expect(() => parseAgentsOption('claude,vim')).toThrow(UsageError);
  });
});

describe('initRepository', () => {
  it('scaffolds config, tracker, the committed hooks folder, husky hooks calling agentsync, husky and the CLI in package.json', () => {
    const { host, disk, executable, json } = memoryHost({ 'package.json': '{\n  "name": "app",\n  "scripts": { "test": "vitest" }\n}\n' });
    const result = initRepository(host, OPTIONS);
    expect(result.changed.map((c) => `${c.action} ${c.path}`)).toEqual([
      'created .agentsync.json',
      'created AgentTracker.md',
      'created .gitattributes',
      'created AGENTS.md',
      'created CLAUDE.md',
      'created .github/copilot-instructions.md',
      'created GEMINI.md',
      ...[...AGENT_TOOL_FILES, ...wiredFiles()].map((path) => `created ${path}`),
      'created .agentsync/hooks/h',
      'created .agentsync/hooks/pre-commit',
      'created .agentsync/hooks/commit-msg',
      'created .agentsync/hooks/pre-push',
      'created .husky/pre-commit',
      'created .husky/commit-msg',
      'created .husky/pre-push',
      'updated package.json',
    ]);
    for (const hook of HOOKS) {
      // A bare name: the runner puts the binary on PATH, found even where this worktree has no install.
      expect(disk.get(`.husky/${hook}`)).toBe(`agentsync hook ${hook} "$@"\n`);
      expect(executable.has(`.husky/${hook}`)).toBe(true);
      expect(disk.get(`.agentsync/hooks/${hook}`)).toBe(HOOK_STUB);
      expect(executable.has(`.agentsync/hooks/${hook}`)).toBe(true);
    }
    expect(json('package.json')).toEqual({
      name: 'app',
      scripts: { test: 'vitest', prepare: 'husky && agentsync setup' },
      devDependencies: { '@agentsync/cli': '^0.1.0', husky: '^9.1.7' },
    });
    expect(json('.agentsync.json').hooks).toBeUndefined();
  });

  it('keeps a skill or command file of the user\'s own, and says so', () => {
    const { host, disk } = memoryHost({ '.claude/commands/agentsync-end-session.md': 'my own\n' });
    const result = initRepository(host, OPTIONS);
    expect(disk.get('.claude/commands/agentsync-end-session.md')).toBe('my own\n');
    expect(result.notes).toContain(
      'Kept your own .claude/commands/agentsync-end-session.md: AgentSync writes its skill and session commands only where no file of that name is yours.',
    );
  });

  it('changes no byte on a second run', () => {
    const { host, disk } = memoryHost({ 'package.json': '{"name":"app","scripts":{"prepare":"npm run build"}}', '.husky/pre-push': 'git lfs pre-push "$@"\n' });
    initRepository(host, OPTIONS);
    const first = new Map(disk);
    expect(initRepository(host, OPTIONS)).toEqual({ changed: [], notes: [] });
    expect(disk).toEqual(first);
  });

  it('keeps every line of existing husky hooks, the AgentSync line first after the shebang, line endings kept', () => {
    const preCommit = '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n\nnpx lint-staged\n';
    const commitMsg = 'npx --no -- commitlint --edit $1\r\n';
    const { host, disk } = memoryHost({ 'package.json': '{}', '.husky/pre-commit': preCommit, '.husky/commit-msg': commitMsg });
    initRepository(host, OPTIONS);
    expect(disk.get('.husky/pre-commit')).toBe(`#!/usr/bin/env sh\n${hookLine('pre-commit')}\n. "$(dirname -- "$0")/_/husky.sh"\n\nnpx lint-staged\n`);
    expect(disk.get('.husky/commit-msg')).toBe(`${hookLine('commit-msg')}\r\n${commitMsg}`);
  });

  it('recognizes an AgentSync line in any form and adds no second one', () => {
    const existing = '#!/bin/sh\nnpx agentsync hook pre-commit\nnpx lint-staged\n';
    expect(withHookLine(existing, 'pre-commit')).toBe(existing);
    expect(withHookLine('# agentsync hook pre-commit was here\nnpm test\n', 'pre-commit')).toBe(`${hookLine('pre-commit')}\n# agentsync hook pre-commit was here\nnpm test\n`);
  });

  it('upgrades the line earlier versions wrote, which named a binary a fresh worktree lacks', () => {
    const old = '#!/bin/sh\nnode_modules/.bin/agentsync hook pre-commit "$@"\nnpx lint-staged\n';
    expect(withHookLine(old, 'pre-commit')).toBe('#!/bin/sh\nagentsync hook pre-commit "$@"\nnpx lint-staged\n');
  });

  it("sets hooks.lintStaged only where lint-staged is configured and no hook of the repo's runs it", () => {
    const lintStaged = { 'package.json': '{"lint-staged":{"*.ts":"eslint"}}' };
    const alone = memoryHost(lintStaged);
    initRepository(alone.host, OPTIONS);
    expect(alone.json('.agentsync.json').hooks).toEqual({ lintStaged: true });

    const hooked = memoryHost({ ...lintStaged, '.husky/pre-commit': 'npx lint-staged\n' });
    initRepository(hooked.host, OPTIONS);
    expect(hooked.json('.agentsync.json').hooks).toBeUndefined();

    const lefthook = memoryHost({ '.lintstagedrc.json': '{}', 'lefthook.yml': 'pre-commit: {}\n' });
    initRepository(lefthook.host, OPTIONS);
    expect(lefthook.json('.agentsync.json').hooks).toBeUndefined();
  });

  it('extends an existing prepare script, keeps one that runs husky already, and adds the merge driver setup once', () => {
    const extended = memoryHost({ 'package.json': '{"scripts":{"prepare":"npm run build"}}' });
    initRepository(extended.host, OPTIONS);
    expect(extended.json('package.json').scripts.prepare).toBe('npm run build && husky && agentsync setup');
    const kept = memoryHost({ 'package.json': '{"scripts":{"prepare":"husky install"},"devDependencies":{"husky":"^8.0.0","@agentsync/cli":"^0.1.0"}}' });
    initRepository(kept.host, OPTIONS);
    expect(kept.json('package.json').scripts.prepare).toBe('husky install && agentsync setup');
    expect(kept.json('package.json').devDependencies).toEqual({ husky: '^8.0.0', '@agentsync/cli': '^0.1.0' });
    const again = kept.disk.get('package.json');
    initRepository(kept.host, OPTIONS);
    expect(kept.disk.get('package.json')).toBe(again);
  });

  it('keeps the indentation, line endings and byte order mark of package.json', () => {
    const { host, disk } = memoryHost({ 'package.json': '\uFEFF{\r\n\t"name": "app"\r\n}\r\n' });
    initRepository(host, OPTIONS);
    expect(disk.get('package.json')).toBe(
      '\uFEFF{\r\n\t"name": "app",\r\n\t"scripts": {\r\n\t\t"prepare": "husky && agentsync setup"\r\n\t},\r\n\t"devDependencies": {\r\n\t\t"@agentsync/cli": "^0.1.0",\r\n\t\t"husky": "^9.1.7"\r\n\t}\r\n}\r\n',
    );
  });

  it('uses postinstall under Yarn 2+, which runs no prepare, and `yarn agentsync` under Plug\'n\'Play', () => {
    const pnp = memoryHost({ 'package.json': '{"packageManager":"yarn@4.5.0"}', 'yarn.lock': '' });
    initRepository(pnp.host, OPTIONS);
    expect(pnp.json('package.json').scripts).toEqual({ postinstall: 'husky && yarn agentsync setup' });
    expect(pnp.disk.get('.husky/pre-commit')).toBe('yarn agentsync hook pre-commit "$@"\n');

    const linked = memoryHost({ 'package.json': '{}', '.yarnrc.yml': 'nodeLinker: node-modules\n' });
    initRepository(linked.host, OPTIONS);
    expect(linked.json('package.json').scripts).toEqual({ postinstall: 'husky && agentsync setup' });
    expect(linked.disk.get('.husky/pre-commit')).toBe(`${hookLine('pre-commit')}\n`);

    for (const lock of ['pnpm-lock.yaml', 'yarn.lock']) {
      const classic = memoryHost({ 'package.json': '{}', [lock]: '' });
      initRepository(classic.host, OPTIONS);
      expect(classic.json('package.json').scripts).toEqual({ prepare: 'husky && agentsync setup' });
      expect(classic.disk.get('.husky/pre-commit')).toBe(`${hookLine('pre-commit')}\n`);
    }
  });

  it.each([
    ['lefthook', { 'lefthook.yml': 'pre-commit: {}\n' }, undefined],
    ['simple-git-hooks', { 'package.json': '{"simple-git-hooks":{"pre-commit":"npx lint-staged"}}' }, undefined],
    ['pre-commit', { '.pre-commit-config.yaml': 'repos: []\n' }, undefined],
    ['core.hooksPath (.githooks)', {}, '.githooks'],
  ])('leaves %s alone and prints the exact lines to add', (manager, files, gitHooksPath) => {
    const { host, disk } = memoryHost({ 'package.json': '{"name":"app"}', ...files });
    const before = new Map(disk);
    const result = initRepository(host, { ...OPTIONS, gitHooksPath });
    const scaffold = ['.agentsync.json', 'AgentTracker.md', '.gitattributes', 'AGENTS.md', 'CLAUDE.md', '.github/copilot-instructions.md', 'GEMINI.md', ...AGENT_TOOL_FILES, ...wiredFiles()];
    expect(result.changed.map((c) => c.path)).toEqual(scaffold);
    expect([...disk.keys()].filter((path) => !before.has(path))).toEqual(scaffold);
    expect(disk.get('package.json')).toBe(before.get('package.json'));
    expect(result.notes[0]).toContain(`${manager} manages this repository's git hooks; AgentSync changed nothing there`);
    expect(result.notes.slice(1, 4)).toEqual(HOOKS.map((hook) => `  ${hook}: ${hookLine(hook, 'node_modules/.bin/agentsync')}`));
  });

  it("counts husky's own hooks paths as husky", () => {
    for (const gitHooksPath of ['.husky/_', '.husky', '.husky/_/']) {
      const { host, disk } = memoryHost({ 'package.json': '{}' });
      expect(initRepository(host, { ...OPTIONS, gitHooksPath }).notes).toEqual([]);
      expect(disk.has('.husky/pre-commit')).toBe(true);
    }
  });

  it('without package.json (no Node): only the hooks folder, which calls agentsync from PATH; no husky', () => {
    const { host, disk } = memoryHost({ 'go.mod': 'module x\n' });
    const result = initRepository(host, OPTIONS);
    expect(disk.get('.agentsync/hooks/h')).toBe(RUNNER);
    expect([...disk.keys()].some((path) => path.startsWith('.husky/') || path === 'package.json')).toBe(false);
    expect(result.notes).toEqual([expect.stringContaining('call `agentsync` from PATH')]);
  });

  it('refuses a package.json that does not parse, changing nothing', () => {
    const { host, disk } = memoryHost({ 'package.json': '{ nope' });
    expect(() => initRepository(host, OPTIONS)).toThrow(UsageError);
    expect([...disk.keys()]).toEqual(['package.json']);
  });
});

describe('the pre-push line for a hook with more commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentsync-prepush-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs a husky-style hook (sh -e) whose AgentSync stand-in records its stdin and exits with `code`. */
  function runHook(code: number) {
    const fake = join(dir, 'fake-agentsync');
    writeFileSync(fake, `#!/bin/sh\ncat > "${dir}/agentsync.in"\nexit ${code}\n`, { mode: 0o755 });
    const script = withHookLine('git lfs pre-push "$@"\n', 'pre-push', fake).replace('git lfs pre-push "$@"', `cat > "${dir}/lfs.in"`);
    writeFileSync(join(dir, 'pre-push'), script);
    rmSync(join(dir, 'lfs.in'), { force: true });
    try {
      execFileSync('sh', ['-e', join(dir, 'pre-push'), 'origin', 'url'], { input: 'refs/heads/a 1 refs/heads/a 0\n' });
      return 0;
    } catch (error) {
      return (error as { status: number }).status;
    }
  }

  it('gives git\'s stdin to AgentSync and to the commands after it', () => {
    expect(withHookLine('git lfs pre-push "$@"\n', 'pre-push')).toBe(`${prePushLineKeepingStdin()}\ngit lfs pre-push "$@"\n`);
    expect(runHook(0)).toBe(0);
    expect(readFileSync(join(dir, 'agentsync.in'), 'utf8')).toBe('refs/heads/a 1 refs/heads/a 0\n');
    expect(readFileSync(join(dir, 'lfs.in'), 'utf8')).toBe('refs/heads/a 1 refs/heads/a 0\n');
  });

  it('blocks the push, running nothing after it, when AgentSync blocks', () => {
    expect(runHook(1)).toBe(1);
    expect(() => readFileSync(join(dir, 'lfs.in'))).toThrow();
  });
});
