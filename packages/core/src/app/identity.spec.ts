import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../errors';
import { openRepo } from '../git/git';
import {
  agentFromBranch,
  detectAgentTool,
  envNamesAgent,
  loadIdentityInputs,
  requireAgentIn,
  resolveAgent,
  resolveAgentIn,
  validateAgentId,
} from './identity';

function thrown(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('validateAgentId', () => {
  it.each([
    ['claude', 'claude'],
    ['Codex', 'codex'],
    [' gemini-2 ', 'gemini-2'],
    ['a.b_c-d', 'a.b_c-d'],
    ['7', '7'],
    ['x'.repeat(64), 'x'.repeat(64)],
  ])('accepts %j as %j', (id, expected) => {
    expect(validateAgentId(id, 'flag')).toBe(expected);
  });

  it.each(['', '-claude', '.hidden', 'has space', 'a/b', 'ümlaut', 'x'.repeat(65), 'semi;colon'])('rejects %j', (id) => {
    const error = thrown(() => validateAgentId(id, 'flag'));
    expect(error.message).toContain(`"${id}"`);
    expect(error.message).toContain('--agent');
    expect(error.hint).toMatch(/1-64/);
  });

  it('names the source and its fix', () => {
    expect(thrown(() => validateAgentId('bad id', 'env')).message).toContain('AGENTSYNC_AGENT');
    expect(thrown(() => validateAgentId('bad id', 'git-config')).hint).toContain('git config --unset agentsync.agent');
  });
});

describe('agentFromBranch', () => {
  it.each([
    ['claude/fix-login', 'claude'],
    ['codex/a/b/c', 'codex'],
    ['Gemini/x', 'gemini'],
    ['main', undefined],
    ['feature-x', undefined],
    ['feature/login', undefined],
    ['fix/crash', undefined],
    ['dependabot/npm_and_yarn/zod-4', undefined],
    ['claude/', undefined],
    ['-bad/x', undefined],
    [undefined, undefined],
  ])('%j gives %j', (branch, expected) => {
    expect(agentFromBranch(branch)).toBe(expected);
  });
});

describe('detectAgentTool', () => {
  it.each([
    [{ CLAUDECODE: '1' }, 'claude'],
    [{ CLAUDE_CODE_ENTRYPOINT: 'cli' }, 'claude'],
    [{ CODEX_SANDBOX: 'seatbelt' }, 'codex'],
    [{ CODEX_SANDBOX_NETWORK_DISABLED: '1' }, 'codex'],
    [{ CODEX_THREAD_ID: '019d1afb-b2c7' }, 'codex'],
    [{ GEMINI_CLI: '1' }, 'gemini'],
    [{ COPILOT_AGENT_SESSION_ID: '5aacf7d0' }, 'copilot'],
    [{}, undefined],
    [{ CLAUDECODE: '' }, undefined],
    [{ PATH: '/usr/bin', TERM_PROGRAM: 'vscode' }, undefined],
  ])('%j → %s', (env, expected) => {
    expect(detectAgentTool(env)).toBe(expected);
  });

  it('refuses to guess when two tools are nested', () => {
    expect(detectAgentTool({ CLAUDECODE: '1', CODEX_THREAD_ID: 't' })).toBeUndefined();
  });
});

describe('envNamesAgent', () => {
  it.each([
    [{ AGENTSYNC_AGENT: 'alice' }, undefined, true],
    [{}, 'bob', true],
    [{ CLAUDECODE: '1', CLAUDE_CODE_SESSION_ID: '2e91a541-0000' }, undefined, true],
    [{ COPILOT_AGENT_SESSION_ID: '5aacf7d0-1111' }, undefined, true],
    // What Gemini CLI and Codex give their MCP servers: the tool at most, never its session.
    [{ GEMINI_CLI: '1' }, undefined, false],
    [{ PATH: '/usr/bin', HOME: '/home/a' }, undefined, false],
    [{ AGENTSYNC_AGENT: ' ' }, undefined, false],
  ])('%j, --agent %s → %s', (env, flag, expected) => {
    expect(envNamesAgent(env, flag)).toBe(expected);
  });
});

describe('resolveAgent', () => {
  const all = {
    flag: 'from-flag',
    env: { AGENTSYNC_AGENT: 'from-env', CLAUDECODE: '1' },
    gitConfig: 'from-config',
    branch: 'from-branch/work',
  };

  it('takes the first source found, each beating the later ones', () => {
    expect(resolveAgent(all)).toEqual({ agent: 'from-flag', source: 'flag' });
    expect(resolveAgent({ ...all, flag: undefined })).toEqual({ agent: 'from-env', source: 'env' });
    expect(resolveAgent({ ...all, flag: undefined, env: { CLAUDECODE: '1' } })).toEqual({
      agent: 'from-config',
      source: 'git-config',
    });
    expect(resolveAgent({ env: { CLAUDECODE: '1' }, branch: 'from-branch/work' })).toEqual({
      agent: 'from-branch',
      source: 'branch',
    });
    expect(resolveAgent({ env: { CLAUDECODE: '1' }, branch: 'main' })).toEqual({ agent: 'claude', source: 'detected' });
    expect(resolveAgent({ env: {}, branch: 'main' })).toBeUndefined();
  });

  it('skips empty values', () => {
    expect(resolveAgent({ flag: '', env: { AGENTSYNC_AGENT: ' ' }, gitConfig: '' })).toBeUndefined();
  });

  it('throws on an invalid explicit id instead of falling through', () => {
    expect(thrown(() => resolveAgent({ ...all, flag: 'Not Valid' })).message).toContain('--agent');
    expect(thrown(() => resolveAgent({ env: { AGENTSYNC_AGENT: 'a/b' } })).message).toContain('AGENTSYNC_AGENT');
    expect(thrown(() => resolveAgent({ env: {}, gitConfig: '!' })).message).toContain('git config agentsync.agent');
  });

  const SESSION = '91b8b624-2f67-46ce-8c6a-4c6e5ddb9621';

  it('makes each agent-tool instance an agent of its own, from the hook payload or the shell', () => {
    expect(resolveAgent({ env: {}, instance: { tool: 'claude', sessionId: SESSION } })).toEqual({ agent: 'claude-91b8b624', source: 'instance' });
    // The same instance in its Bash tool, where Claude Code sets CLAUDE_CODE_SESSION_ID (fixtures/claude).
    expect(resolveAgent({ env: { CLAUDECODE: '1', CLAUDE_CODE_SESSION_ID: SESSION } })).toEqual({ agent: 'claude-91b8b624', source: 'instance' });
    // Codex's ids are UUIDv7: the first digits are a timestamp, so the random tail names the instance.
    expect(resolveAgent({ env: { CODEX_SESSION_ID: '01a24259-f535-74b0-88fb-d32f0d681a40' } })).toEqual({ agent: 'codex-0d681a40', source: 'instance' });
    // A tool that gives no session id stays the tool.
    expect(resolveAgent({ env: { GEMINI_CLI: '1' } })).toEqual({ agent: 'gemini', source: 'detected' });
  });

  it('refines a branch that only names the tool to the instance, and keeps a branch naming someone else', () => {
    const env = { CLAUDECODE: '1', CLAUDE_CODE_SESSION_ID: SESSION };
    expect(resolveAgent({ env, branch: 'claude/feature' })).toEqual({ agent: 'claude-91b8b624', source: 'instance' });
    expect(resolveAgent({ env, branch: 'alice/feature' })).toEqual({ agent: 'alice', source: 'branch' });
    expect(resolveAgent({ env: { CLAUDECODE: '1' }, branch: 'claude/feature' })).toEqual({ agent: 'claude', source: 'branch' });
    expect(resolveAgent({ env: { ...env, AGENTSYNC_AGENT: 'bob' }, branch: 'claude/feature' })).toEqual({ agent: 'bob', source: 'env' });
  });

  it('ignores a branch prefix that is not an agent id', () => {
    expect(resolveAgent({ env: { GEMINI_CLI: '1' }, branch: '-x/y' })).toEqual({ agent: 'gemini', source: 'detected' });
  });
});

describe('loading identity from a repository', () => {
  let root: string;
  const run = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: root,
      stdio: 'pipe',
    });

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'agentsync-identity-'));
    run('init', '-q', '-b', 'main');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads an unborn branch in a repo with no commits', async () => {
    expect(await loadIdentityInputs(await openRepo(root), {})).toEqual({ env: {}, branch: 'main' });
    run('checkout', '-q', '-b', 'claude/x');
    expect(await resolveAgentIn(await openRepo(root), {})).toEqual({ agent: 'claude', source: 'branch' });
  });

  it('reads git config and the branch', async () => {
    run('commit', '-q', '--allow-empty', '-m', 'first');
    run('checkout', '-q', '-b', 'codex/feature');
    run('config', 'agentsync.agent', 'Reviewer');
    const inputs = await loadIdentityInputs(await openRepo(root), { GEMINI_CLI: '1' });
    expect(inputs).toEqual({ flag: undefined, env: { GEMINI_CLI: '1' }, gitConfig: 'Reviewer', branch: 'codex/feature' });
    // A flag outranks git config, so git config is not even read.
    expect(await loadIdentityInputs(await openRepo(root), {}, 'cli')).toEqual({ flag: 'cli', env: {}, gitConfig: undefined, branch: 'codex/feature' });
    expect(await resolveAgentIn(await openRepo(root), {})).toEqual({ agent: 'reviewer', source: 'git-config' });
    expect(await resolveAgentIn(await openRepo(root), { AGENTSYNC_AGENT: 'env-agent' })).toEqual({ agent: 'env-agent', source: 'env' });
    expect(await resolveAgentIn(await openRepo(root), {}, 'flag-agent')).toEqual({ agent: 'flag-agent', source: 'flag' });
  });

  it('finds agentsync.agent through an include of the repository config, which makes it ask git', async () => {
    writeFileSync(path.join(root, 'extra.inc'), '[agentsync]\n\tagent = via-include\n');
    run('config', 'include.path', '../extra.inc');
    expect(await resolveAgentIn(await openRepo(root), {})).toEqual({ agent: 'via-include', source: 'git-config' });
  });

  it('has no branch in detached HEAD and falls back to detection', async () => {
    run('commit', '-q', '--allow-empty', '-m', 'first');
    run('checkout', '-q', '--detach');
    expect(await loadIdentityInputs(await openRepo(root), {})).toEqual({ env: {}, flag: undefined, gitConfig: undefined, branch: undefined });
    expect(await resolveAgentIn(await openRepo(root), { COPILOT_AGENT_SESSION_ID: 's' })).toEqual({ agent: 'copilot', source: 'detected' });
  });

  it('explains every way to set an identity when there is none', async () => {
    const error = await requireAgentIn(await openRepo(root), {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe('No agent identity.');
    for (const way of ['--agent ID', 'AGENTSYNC_AGENT=ID', 'git config agentsync.agent ID', 'ID/feature', 'Claude Code']) {
      expect((error as UsageError).hint).toContain(way);
    }
    run('checkout', '-q', '-b', 'gemini/x');
    expect(await requireAgentIn(await openRepo(root), {})).toEqual({ agent: 'gemini', source: 'branch' });
  });
});
