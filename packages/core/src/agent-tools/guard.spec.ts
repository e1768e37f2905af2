import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claim } from '../app/claims';
import { openContext } from '../app/context';
import { readState } from '../store/store';
import { openRepo } from '../git/git';
import { guardEdit, repoRelativePaths } from './guard';
import { parseHookPayload } from './payload';

const SESSION_A = '91b8b624-2f67-46ce-8c6a-4c6e5ddb9621';
const SESSION_B = 'aaaabbbb-2f67-46ce-8c6a-4c6e5ddb9621';
let root: string;

function repoWith(config: object) {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-guard-')));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
  writeFileSync(join(root, '.agentsync.json'), JSON.stringify(config));
  mkdirSync(join(root, 'src'));
}

/** A Write payload of Claude Code (the shape of fixtures/claude/pre-tool-use.write.json). */
const write = (filePath: string, sessionId = SESSION_A) =>
  parseHookPayload('claude', JSON.stringify({ session_id: sessionId, cwd: root, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: filePath, content: 'x' } }));

const guard = (filePath: string, sessionId = SESSION_A) => guardEdit({ tool: 'claude', payload: write(filePath, sessionId), env: {}, cwd: root });

async function claimAs(agent: string, globs: string[], ttl?: string) {
  const ctx = await openContext({ cwd: root, env: {} });
  await claim(ctx, agent, globs, ttl ? { ttl } : {});
}

const claims = async () => (await readState(await openRepo(root))).state.claims;

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('guardEdit with claims.onEdit "claim" (the default)', () => {
  beforeEach(() => repoWith({}));

  it('refuses a file another agent holds, naming holder, glob and expiry, and what to do instead', async () => {
    await claimAs('alice', ['src/**']);
    const verdict = await guard(join(root, 'src/a.ts'));
    expect(verdict.agent).toBe('claude-91b8b624');
    expect(verdict.refusal).toMatch(/^AgentSync refused this edit for claude-91b8b624:\n- src\/a\.ts is claimed by alice \(src\/\*\*, expires in (1h 59m|2h 0m)\)/);
    expect(verdict.refusal).toContain('Work on other files');
    expect(verdict.claimed).toEqual([]);
  });

  it('claims an unclaimed file for the instance on its first edit; a second instance is then refused it', async () => {
    expect(await guard(join(root, 'app/[id].tsx'))).toEqual({ agent: 'claude-91b8b624', paths: ['app/[id].tsx'], claimed: ['app/[id].tsx'] });
    // The claim is that very file, its brackets escaped: app/1.tsx stays free.
    expect((await claims()).map((c) => [c.holder, c.glob])).toEqual([['claude-91b8b624', 'app/\\[id\\].tsx']]);
    expect((await guard('app/1.tsx', SESSION_B)).refusal).toBeUndefined();
    expect((await guard(join(root, 'app/[id].tsx'), SESSION_B)).refusal).toContain('app/[id].tsx is claimed by claude-91b8b624');
    // Its own next edit writes nothing: the lease has most of its time left.
    const writes = execFileSync('git', ['rev-list', '--count', 'refs/agentsync/state'], { cwd: root, encoding: 'utf8' });
    expect((await guard(join(root, 'app/[id].tsx'))).claimed).toEqual([]);
    expect(execFileSync('git', ['rev-list', '--count', 'refs/agentsync/state'], { cwd: root, encoding: 'utf8' })).toBe(writes);
  });

  it('gives a file two instances edit at once to exactly one of them', async () => {
    const verdicts = await Promise.all([guard(join(root, 'src/race.ts'), SESSION_A), guard(join(root, 'src/race.ts'), SESSION_B)]);
    expect(verdicts.filter((v) => v.refusal === undefined)).toHaveLength(1);
    expect((await claims()).filter((c) => c.glob === 'src/race.ts')).toHaveLength(1);
  });

  it('renews the instance\'s leases once they are past half', async () => {
    await claimAs('claude-91b8b624', ['src/mine.ts'], '10m');
    const before = (await claims())[0].expiresAt;
    await guard(join(root, 'src/mine.ts'));
    expect(Date.parse((await claims())[0].expiresAt)).toBeGreaterThan(Date.parse(before));
  });

  it("lets an instance edit what its tool's bare name holds (an MCP server without a session id), not what another instance holds", async () => {
    await claimAs('claude', ['src/by-mcp.ts']);
    await claimAs('claude-aaaabbbb', ['src/other.ts']);
    expect((await guard(join(root, 'src/by-mcp.ts'))).refusal).toBeUndefined();
    expect((await guard(join(root, 'src/other.ts'))).refusal).toContain('src/other.ts is claimed by claude-aaaabbbb');
  });

  it('sees through a symlink to the file it points at', async () => {
    await claimAs('alice', ['src/held.ts']);
    writeFileSync(join(root, 'src/held.ts'), '');
    symlinkSync('src/held.ts', join(root, 'link.ts'));
    expect((await guard(join(root, 'link.ts'))).refusal).toContain('src/held.ts is claimed by alice');
  });

  it('leaves paths outside the working tree and inside .git alone', async () => {
    expect(await guard('/etc/hosts')).toEqual({ paths: [], claimed: [] });
    expect(await guard(join(root, '.git/config'))).toEqual({ paths: [], claimed: [] });
  });

  it('refuses a path gated above what the instance\'s tier may touch', async () => {
    rmSync(root, { recursive: true, force: true });
    repoWith({ gates: [{ paths: ['infra/**'], risk: 'critical', description: 'production' }] });
    expect((await guard(join(root, 'infra/db.tf'))).refusal).toContain('infra/db.tf: gated at risk critical (production)');
  });
});

describe('guardEdit with claims.onEdit "check" and "off"', () => {
  it('"check" refuses what others hold and hot files it has not claimed, and claims nothing', async () => {
    repoWith({ claims: { onEdit: 'check' }, hotFiles: [{ path: 'package.json', requireClaim: true }] });
    await claimAs('alice', ['src/**']);
    expect((await guard(join(root, 'src/a.ts'))).refusal).toContain('claimed by alice');
    expect((await guard(join(root, 'package.json'))).refusal).toContain('package.json is a hot file that needs a claim before it is edited');
    expect(await guard(join(root, 'README.md'))).toEqual({ agent: 'claude-91b8b624', paths: ['README.md'], claimed: [] });
    expect(await claims()).toHaveLength(1);
  });

  it('"off" lets every edit through', async () => {
    repoWith({ claims: { onEdit: 'off' } });
    await claimAs('alice', ['src/**']);
    expect((await guard(join(root, 'src/a.ts'))).refusal).toBeUndefined();
  });

  it('does nothing in a repository without .agentsync.json', async () => {
    repoWith({});
    rmSync(join(root, '.agentsync.json'));
    expect(await guard(join(root, 'src/a.ts'))).toEqual({ paths: ['src/a.ts'], claimed: [] });
  });
});

describe('repoRelativePaths', () => {
  it('resolves relative paths against cwd and keeps names with spaces and newlines', () => {
    expect(repoRelativePaths('/repo', '/repo/src', ['a b.ts', '../docs/x\ny.md', '/repo/z.ts', '/elsewhere/q.ts'])).toEqual(['src/a b.ts', 'docs/x\ny.md', 'z.ts']);
  });
});
