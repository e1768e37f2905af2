import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ancestors, parseProcStat, parsePsTable, recordedInstance, recordInstance, systemProcessReader, toolProcess, type ProcessInfo, type ProcessReader } from './instances';

describe('the process tree', () => {
  it('reads /proc/PID/stat, whose command name may hold spaces and parentheses', () => {
    const stat = '4242 (npm exec (x) y) S 4200 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 7 0 123456 1000 50';
    expect(parseProcStat(4242, stat)).toEqual({ pid: 4242, ppid: 4200, name: 'npm exec (x) y', start: '123456' });
    expect(parseProcStat(1, 'garbage')).toBeUndefined();
  });

  it('reads the table `ps -A -o pid=,ppid=,lstart=,comm=` prints (macOS and the BSDs)', () => {
    const table = parsePsTable('  501     1 Fri Dec  4 21:59:35 2026     /usr/local/bin/codex\n 7002   501 Fri Dec  4 22:00:01 2026     sh\n');
    expect(table.get(501)).toEqual({ pid: 501, ppid: 1, start: 'Fri Dec 4 21:59:35 2026', name: 'codex' });
    expect(table.get(7002)?.ppid).toBe(501);
  });

  it('walks a real process tree: a shell child of this process has it as its nearest non-shell ancestor', async () => {
    const child = spawn('sh', ['-c', 'sleep 30; true'], { stdio: 'ignore' });
    try {
      const read = systemProcessReader();
      // The shell forks sleep (the `; true` keeps it from exec'ing it).
      let sleeper: ProcessInfo | undefined;
      for (let i = 0; i < 100 && !sleeper; i++) {
        await new Promise((done) => setTimeout(done, 20));
        const found = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map((name) => read(Number(name)));
        sleeper = found.find((p) => p?.ppid === child.pid && p?.name === 'sleep');
      }
      const chain = ancestors(read, sleeper!.pid);
      expect(chain.slice(0, 2).map((p) => p.pid)).toEqual([child.pid, process.pid]);
      expect(toolProcess(chain)?.pid).toBe(process.pid);
      expect(read(process.pid)).toMatchObject({ pid: process.pid, ppid: process.ppid });
    } finally {
      child.kill();
    }
  });
});

describe('instance records', () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'agentsync-instances-'));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  // This test process stands for the tool (records of it are live); 999_999_99x are gone.
  const TOOL = process.pid;
  const DEAD = 999_999_990;
  const tree = (extra: ProcessInfo[] = []): ProcessReader => {
    const procs = [
      { pid: TOOL, ppid: 2, name: 'node', start: '100' },
      // Gemini CLI: hook = node under sh under the tool; MCP server = node under sh under npm exec under the tool.
      { pid: 30, ppid: 20, name: 'node', start: '300' },
      { pid: 20, ppid: TOOL, name: 'sh', start: '200' },
      { pid: 40, ppid: 35, name: 'node', start: '400' },
      { pid: 35, ppid: 33, name: 'sh', start: '350' },
      { pid: 33, ppid: TOOL, name: 'npm exec agentsync', start: '330' },
      ...extra,
    ];
    return (pid) => procs.find((p) => p.pid === pid);
  };
  const at = (iso: string) => () => new Date(iso);
  const session = 'e0c1c3f2-9a1b-4c5d-8e7f-000000000001';

  it('a hook records its tool process; that tool\'s MCP server finds the session, another process does not', async () => {
    const read = tree([{ pid: 50, ppid: 2, name: 'node', start: '500' }]);
    await recordInstance({ cacheDir, tool: 'gemini', sessionId: session, pid: 30, read });
    expect(JSON.parse(readFileSync(join(cacheDir, 'instances/gemini-e0c1c3f2'), 'utf8'))).toMatchObject({ tool: 'gemini', sessionId: session, pid: TOOL, start: '100' });
    expect(await recordedInstance({ cacheDir, pid: 40, read })).toEqual({ tool: 'gemini', sessionId: session });
    expect(await recordedInstance({ cacheDir, pid: 50, read })).toBeUndefined();
  });

  it('is written once a session: a later hook of a running process only reads it', async () => {
    const read = tree();
    await recordInstance({ cacheDir, tool: 'codex', sessionId: session, pid: 30, read, now: at('2026-12-04T10:00:00Z') });
    await recordInstance({ cacheDir, tool: 'codex', sessionId: session, pid: 30, read, now: at('2026-12-04T11:00:00Z') });
    expect(readFileSync(join(cacheDir, 'instances/codex-e0c1c3f2'), 'utf8')).toContain('2026-12-04T10:00:00.000Z');
  });

  it('a new session in the same process (a /clear) wins over the older one', async () => {
    const read = tree();
    await recordInstance({ cacheDir, tool: 'gemini', sessionId: session, pid: 30, read, now: at('2026-12-04T10:00:00Z') });
    await recordInstance({ cacheDir, tool: 'gemini', sessionId: 'ffff0000-1111-4222-8333-444455556666', pid: 30, read, now: at('2026-12-04T10:05:00Z') });
    expect(await recordedInstance({ cacheDir, pid: 40, read })).toEqual({ tool: 'gemini', sessionId: 'ffff0000-1111-4222-8333-444455556666' });
  });

  it('ignores and deletes the records of ended processes and of a pid reused by a later process', async () => {
    const before = tree([
      { pid: 31, ppid: 21, name: 'node', start: '1' },
      { pid: 21, ppid: DEAD, name: 'bash', start: '1' },
      { pid: DEAD, ppid: 2, name: 'node', start: '1' },
    ]);
    await recordInstance({ cacheDir, tool: 'gemini', sessionId: '11111111-0000-4000-8000-000000000000', pid: 31, read: before });
    const read = tree();
    await recordInstance({ cacheDir, tool: 'gemini', sessionId: session, pid: 30, read });
    // The dead tool's record went when the second was written: its pid no longer runs.
    expect(readdirSync(join(cacheDir, 'instances'))).toEqual(['gemini-e0c1c3f2']);
    // The tool's pid now belongs to another process (another start time): its record is stale.
    const reused: ProcessReader = (pid) => (pid === TOOL ? { pid, ppid: 2, name: 'node', start: '999' } : read(pid));
    expect(await recordedInstance({ cacheDir, pid: 40, read: reused })).toBeUndefined();
    expect(existsSync(join(cacheDir, 'instances/gemini-e0c1c3f2'))).toBe(false);
  });

  it('records nothing for tools whose MCP servers get their session id, nor without a session id', async () => {
    await recordInstance({ cacheDir, tool: 'claude', sessionId: session, pid: 30, read: tree() });
    await recordInstance({ cacheDir, tool: 'gemini', sessionId: undefined, pid: 30, read: tree() });
    expect(existsSync(join(cacheDir, 'instances'))).toBe(false);
    expect(await recordedInstance({ cacheDir, pid: 40, read: tree() })).toBeUndefined();
  });
});
