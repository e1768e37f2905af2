import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claim } from '../app/claims';
import { openContext } from '../app/context';
import { sessionStartContext, shellChangesContext, stopReminder } from './lifecycle';
import { parseHookPayload } from './payload';

const SESSION = '91b8b624-2f67-46ce-8c6a-4c6e5ddb9621';
let root: string;

const request = (extra: object = {}) => ({
  tool: 'claude' as const,
  payload: parseHookPayload('claude', JSON.stringify({ session_id: SESSION, cwd: root, ...extra })),
  env: {},
  cwd: root,
});

beforeEach(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-lifecycle-')));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
  writeFileSync(join(root, '.agentsync.json'), '{}');
  const ctx = await openContext({ cwd: root, env: {} });
  await claim(ctx, 'alice', ['held.ts']);
  await claim(ctx, 'claude-91b8b624', ['mine.ts']);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the agent tools\' session lifecycle', () => {
  it('tells a starting instance who it is and who holds what', async () => {
    const text = await sessionStartContext(request({ hook_event_name: 'SessionStart', source: 'startup' }));
    expect(text).toContain('You are agent claude-91b8b624');
    expect(text).toMatch(/Claimed by other agents \(do not edit\):\n- held\.ts by alice, until /);
    expect(text).toMatch(/Your claims:\n- mine\.ts by claude-91b8b624/);
  });

  it('says once which files the shell changed that others hold', async () => {
    writeFileSync(join(root, 'held.ts'), 'changed by a shell\n');
    writeFileSync(join(root, 'free.ts'), 'x\n');
    const first = await shellChangesContext(request());
    expect(first).toContain('- held.ts: claimed by alice (held.ts, until ');
    expect(first).not.toContain('free.ts');
    expect(await shellChangesContext(request())).toBe('');
  });

  it('reminds a stopping instance of its claims once, and never while a stop hook already made it go on', async () => {
    expect(await stopReminder(request({ stop_hook_active: true }))).toBe('');
    expect(await stopReminder(request())).toContain('AgentSync reminder for claude-91b8b624: You still hold 1 claim(s): mine.ts.');
    expect(await stopReminder(request())).toBe('');
  });
});
