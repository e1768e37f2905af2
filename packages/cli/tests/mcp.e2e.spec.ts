/**
 * `agentsync mcp` through the SDK's own client over stdio, started exactly as
 * the `.mcp.json` that `agentsync init` wrote says, in a real repository.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, run } from './e2e';
import { CLI, cleanEnv, makeRepo, makeTemp, runProgram, type TestRepo } from './fixture';
import { realTool, TOOL_VERSIONS } from './real-tool';
// @ts-expect-error plain JavaScript helpers shared with tools/ (no types)
import { copilotEnv } from '../../../tools/e2e/agent-tools.mjs';

const clients: Client[] = [];
afterAll(() => Promise.all(clients.map((client) => client.close())));

/** A repository after `agentsync init`, with the CLI installed where npx finds it. */
async function initializedRepo(config: object = {}): Promise<TestRepo> {
  const repo = await makeRepo({ config: null });
  repo.write('package.json', '{"name":"app"}\n');
  expect((await run(repo.dir, ['init'])).code).toBe(0);
  repo.write('.agentsync.json', JSON.stringify(config));
  repo.write('.gitignore', 'node_modules\n');
  await repo.git(['add', '-A']);
  await repo.git(['commit', '-q', '-m', 'agentsync init']);
  mkdirSync(join(repo.dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(CLI, join(repo.dir, 'node_modules/.bin/agentsync'));
  return repo;
}

/** Connects the SDK's client to the server started as `.mcp.json` says, acting as `agent`. */
async function connect(repo: TestRepo, agent: string): Promise<Client> {
  const { command, args } = JSON.parse(readFileSync(join(repo.dir, '.mcp.json'), 'utf8')).mcpServers.agentsync;
  const transport = new StdioClientTransport({ command, args, cwd: repo.dir, stderr: 'pipe', env: cleanEnv({ AGENTSYNC_AGENT: agent, npm_config_update_notifier: 'false' }) as Record<string, string> });
  const client = new Client({ name: 'agentsync-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const call = (client: Client, name: string, args: Record<string, unknown> = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const resource = async (client: Client, uri: string) => {
  const [content] = (await client.readResource({ uri })).contents;
  return 'text' in content ? content.text : '';
};
/** Writes initialize, initialized and `calls` to a server's stdin and closes it at once; its replies in order. */
async function piped(cwd: string, agent: string, calls: Array<{ name: string; arguments: object }>): Promise<any[]> {
  const messages = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    ...calls.map((params, i) => ({ jsonrpc: '2.0', id: i + 2, method: 'tools/call', params })),
  ];
  const served = await run(cwd, ['mcp'], { input: messages.map((m) => `${JSON.stringify(m)}\n`).join(''), env: { AGENTSYNC_AGENT: agent } });
  expect(served.code, served.stderr).toBe(0);
  return served.stdout.trim().split('\n').map((line) => JSON.parse(line));
}
const text = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

describe('agentsync mcp', () => {
  let repo: TestRepo;
  let alice: Client;
  let bob: Client;

  beforeAll(async () => {
    repo = await initializedRepo({ health: { commands: [{ name: 'lint', run: 'true' }, { name: 'test', run: 'true' }] } });
    [alice, bob] = await Promise.all([connect(repo, 'alice'), connect(repo, 'bob')]);
  });

  it('lists the eight tools, the two prompts and the three resources', async () => {
    expect((await alice.listTools()).tools.map((t) => t.name)).toEqual(['status', 'claim', 'release', 'check', 'note', 'start_session', 'end_session', 'health']);
    expect((await alice.listPrompts()).prompts.map((p) => [p.name, p.title])).toEqual([
      ['start-session', 'AgentSync: Start Session'],
      ['end-session', 'AgentSync: End Session'],
    ]);
    expect((await alice.listResources()).resources.map((r) => r.uri)).toEqual(['agentsync://tracker', 'agentsync://claims', 'agentsync://session']);
    // The protocol's shared sentences (core setup/protocol-text.ts), as the instruction files say them.
    expect(alice.getInstructions()).toContain('AgentSync identifies you per running agent session where the tool tells it; otherwise pass `--agent <id>` or set `AGENTSYNC_AGENT=<id>`.');
    const prompt = await alice.getPrompt({ name: 'start-session', arguments: { goal: 'add rate limits' } });
    expect(prompt.messages[0].content).toMatchObject({ type: 'text', text: expect.stringContaining('for this task: add rate limits') });
  });

  it('a claim made through MCP is the CLI\'s claim; a clash is an error result naming holder, glob and expiry', async () => {
    const claimed = await call(alice, 'claim', { paths: ['lib/**'], ttl: '30m' });
    expect(claimed.isError, text(claimed)).toBeFalsy();
    expect(text(claimed)).toMatch(/^alice claims lib\/\*\* \(exclusive, until /);
    const [mine] = (claimed.structuredContent as { claims: Array<{ holder: string; glob: string; expiresAt: string }> }).claims;
    expect(mine).toMatchObject({ holder: 'alice', glob: 'lib/**' });

    const { claims } = json(await run(repo.dir, ['status', '--json']));
    expect(claims).toEqual([expect.objectContaining({ holder: 'alice', glob: 'lib/**', expiresAt: mine.expiresAt })]);

    const refused = await call(bob, 'claim', { paths: ['lib/x.ts'] });
    expect(refused.isError).toBe(true);
    // In words, as status says it; the exact time is in structuredContent.
    expect(text(refused)).toMatch(/lib\/x\.ts is claimed by alice \(lib\/\*\*, expires in (29|30)m\)/);
    expect(refused.structuredContent).toMatchObject({ ok: false, error: { type: 'ClaimConflictError', conflicts: [{ requested: 'lib/x.ts', holder: 'alice', glob: 'lib/**', expiresAt: mine.expiresAt }] } });
    // Audited like the CLI's refusal.
    expect(await repo.git(['log', '--format=%an: %s', 'refs/agentsync/audit'])).toBe('bob: refusal: bob refused claim of lib/x.ts (held by alice)\n');
    expect(json(await run(repo.dir, ['check', 'lib/x.ts', '--agent', 'bob', '--json']), 1).blocked).toHaveLength(1);

    const checked = await call(bob, 'check', { paths: ['lib/x.ts', 'README.md'] });
    expect(checked.structuredContent).toMatchObject({ ok: false, agent: 'bob', checked: 2, blocked: [{ path: 'lib/x.ts', claim: { holder: 'alice' } }] });
    const released = await call(alice, 'release', { all: true });
    expect(text(released)).toBe('alice released lib/**');
    expect(json(await run(repo.dir, ['status', '--json'])).claims).toEqual([]);
  });

  it('two servers for two agents racing for one path: exactly one winner', async () => {
    const results = await Promise.all([alice, bob].map((client) => call(client, 'claim', { paths: ['src/app.ts'] })));
    const winners = results.filter((r) => !r.isError);
    expect(winners).toHaveLength(1);
    const winner = (winners[0].structuredContent as { agent: string }).agent;
    const loser = results.find((r) => r.isError)!;
    expect(text(loser)).toContain(`src/app.ts is claimed by ${winner}`);
    expect(json(await run(repo.dir, ['status', '--json'])).claims.map((c: { holder: string }) => c.holder)).toEqual([winner]);
    await call(winner === 'alice' ? alice : bob, 'release', { paths: ['src/app.ts'] });
  });

  it('bad arguments are a tool error, and the server keeps serving', async () => {
    const wrongType = await call(alice, 'claim', { paths: 'src/**' });
    expect(wrongType.isError).toBe(true);
    expect(text(wrongType)).toMatch(/Input validation error.*paths/s);
    const missing = await call(alice, 'release', {});
    expect(missing).toMatchObject({ isError: true, structuredContent: { error: { type: 'UsageError' } } });
    expect(text(missing)).toContain('release needs paths or all: true.');
    const badTtl = await call(alice, 'claim', { paths: ['x'], ttl: 'soon' });
    expect(text(badTtl)).toContain('Invalid ttl "soon"');
    const outside = await call(alice, 'check', { paths: ['../elsewhere.ts'] });
    expect(text(outside)).toContain('is not a path inside the repository');
    expect((await call(alice, 'status')).isError).toBeFalsy();
  });

  it('a session through MCP: start with claims, note, health with progress, end with a committed handoff', async () => {
    const progress: string[] = [];
    const onprogress = (p: { message?: string }) => progress.push(p.message ?? '');
    const started = (await alice.callTool({ name: 'start_session', arguments: { goal: 'rate limits', tier: 2, claims: ['api/**'] } }, undefined, { onprogress })) as CallToolResult;
    expect(started.isError, text(started)).toBeFalsy();
    expect(text(started)).toMatch(/^alice started s-\w+ \(tier 2, budget 2000–8000 tokens, baseline green\)$/);
    expect(progress.slice(0, 3)).toEqual(['running lint', 'pass lint', 'running test']);
    // What `agentsync start --json` prints, but a passing check's output.
    expect(started.structuredContent).toMatchObject({ ok: true, agent: 'alice', tier: { level: 2 }, health: { green: true, checks: [{ name: 'lint', status: 'pass' }, { name: 'test' }] }, others: {}, warnings: expect.any(Array) });
    expect((started.structuredContent as any).health.checks[0]).not.toHaveProperty('outputTail');

    const session = JSON.parse(await resource(alice, 'agentsync://session'));
    expect(session).toMatchObject({ agent: 'alice', session: { goal: 'rate limits', tier: 2 } });
    expect(await resource(alice, 'agentsync://claims')).toContain('"glob": "api/**"');
    expect((await call(alice, 'note', { text: 'parser done' })).isError).toBeFalsy();
    expect(await resource(alice, 'agentsync://tracker')).toContain('parser done');

    // An uncommitted change: nothing cached applies, the checks really run.
    repo.write('api/limits.ts', 'export {};\n');
    const steps: Array<{ progress: number; total?: number; message?: string }> = [];
    const health = (await alice.callTool({ name: 'health', arguments: {} }, undefined, { onprogress: (p) => steps.push(p) })) as CallToolResult;
    expect(text(health)).toBe('green (2 checks)');
    expect(health.structuredContent).toMatchObject({ ok: true, green: true, regressions: [], checks: [{ name: 'lint', status: 'pass' }, { name: 'test', status: 'pass' }] });
    expect(steps.slice(0, 3)).toEqual([
      { progress: 1, total: 4, message: 'running lint' },
      { progress: 2, total: 4, message: 'pass lint' },
      { progress: 3, total: 4, message: 'running test' },
    ]);

    const ended = await call(alice, 'end_session', { summary: 'rate limits done', next: ['document them'] });
    expect(ended.isError, text(ended)).toBeFalsy();
    expect(text(ended)).toMatch(/^alice ended s-\w+: health green \(2 checks\); released 1 claim\(s\); committed [0-9a-f]{10}$/);
    expect(ended.structuredContent).toMatchObject({ ok: true, agent: 'alice', health: { green: true }, entry: { health: expect.stringContaining('green') }, released: [{ glob: 'api/**' }] });
    expect(await repo.git(['log', '-1', '--format=%s%n%(trailers:key=Agent,valueonly)'])).toBe('agentsync: handoff from alice: rate limits done\nalice\n\n');
    const end = await call(alice, 'end_session', { summary: 'again' });
    expect(end.isError).toBe(true);
    expect(text(end)).toContain('alice has no active session to end.');
  });

  it('a client that writes its calls and closes stdin at once still gets every reply', async () => {
    const replies = await piped(repo.dir, 'carol', [{ name: 'claim', arguments: { paths: ['piped/**'] } }]);
    expect(replies.map((r) => r.id)).toEqual([1, 2]);
    expect(replies[1].result.structuredContent).toMatchObject({ ok: true, agent: 'carol', claims: [{ holder: 'carol', glob: 'piped/**' }] });
  });

  it('an argument it does not take is bad input, not silently ignored', async () => {
    const result = await run(repo.dir, ['mcp', 'extra']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('agentsync mcp takes no arguments, not "extra".');
  });

  it('check takes paths relative to the repository root, as claim does, wherever the server runs', async () => {
    mkdirSync(join(repo.dir, 'api'), { recursive: true });
    const [, checked] = await piped(join(repo.dir, 'api'), 'dave', [{ name: 'check', arguments: { paths: ['piped/a.ts'] } }]);
    expect(checked.result.structuredContent).toMatchObject({ ok: false, checked: 1, blocked: [{ path: 'piped/a.ts', claim: { holder: 'carol' } }] });
  });
});

describe('agentsync mcp: health refusals', () => {
  it('a regression refuses end_session as an error result naming the check; allowRegression with a reason hands off', async () => {
    const repo = await initializedRepo({ health: { commands: [{ name: 'unbroken', run: 'test ! -e broken' }] } });
    const carol = await connect(repo, 'carol');
    expect(text(await call(carol, 'start_session', { goal: 'refactor', tier: 1 }))).toContain('baseline green');
    repo.write('broken', 'x\n');
    const health = await call(carol, 'health');
    expect(health.isError).toBeFalsy();
    expect(text(health)).toBe('red: unbroken');
    expect(health.structuredContent).toMatchObject({ ok: false, regressions: ['unbroken'] });

    const refused = await call(carol, 'end_session', { summary: 'done', noCommit: true });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("Health regressed since the session's baseline: unbroken.");
    expect(refused.structuredContent).toMatchObject({ error: { type: 'BlockedError', exitCode: 1 } });

    const ended = await call(carol, 'end_session', { summary: 'done', noCommit: true, allowRegression: 'flaky, tracked in #12' });
    expect(ended.isError, text(ended)).toBeFalsy();
    expect(ended.structuredContent).toMatchObject({ entry: { note: 'Handed off despite a regression: flaky, tracked in #12' } });
  });
});

/** A home folder for one tool run, with `files` (the tool's trust settings) written into it. */
function homeWith(files: Record<string, unknown>): string {
  const home = makeTemp('tool-home');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(home, path, '..'), { recursive: true });
    writeFileSync(join(home, path), JSON.stringify(content));
  }
  return home;
}

/** The pinned agent tools, from the agent-tools e2e harness (tools/e2e/agent-tools.mjs). */
describe('the pinned agent tools find and start the server as init registered it', () => {
  let repo: TestRepo;
  beforeAll(async () => {
    repo = await initializedRepo();
  });
  const runTool = (bin: string, args: string[], env: NodeJS.ProcessEnv) => runProgram(bin, args, { cwd: repo.dir, env: { npm_config_update_notifier: 'false', ...env } });

  describe(`Claude Code ${TOOL_VERSIONS.claude}`, () => {
    const claude = realTool('claude');
    it('connects through .mcp.json', async () => {
      // A trusted project whose .mcp.json servers were approved, as the first `claude` run asks.
      const home = homeWith({ '.claude.json': { projects: { [repo.dir]: { hasTrustDialogAccepted: true, enabledMcpjsonServers: ['agentsync'] } } } });
      const listed = await runTool(claude.bin, ['mcp', 'list'], { HOME: home });
      expect(listed.stdout, listed.stderr).toContain('agentsync: npx --no agentsync mcp - ✔ Connected');
    });
  });

  describe(`Gemini CLI ${TOOL_VERSIONS.gemini}`, () => {
    const gemini = realTool('gemini');
    it('connects through .gemini/settings.json', async () => {
      const home = homeWith({ '.gemini/trustedFolders.json': { [repo.dir]: 'TRUST_FOLDER' } });
      const listed = await runTool(gemini.bin, ['mcp', 'list'], { HOME: home });
      // Gemini CLI prints the list on stderr.
      expect(listed.stdout + listed.stderr).toContain('✓ agentsync: npx --no agentsync mcp (stdio) - Connected');
    });
  });

  describe(`Codex ${TOOL_VERSIONS.codex}`, () => {
    const codex = realTool('codex');
    it('reads the server from .codex/config.toml, AGENTSYNC_AGENT forwarded', async () => {
      const home = makeTemp('codex-home');
      writeFileSync(join(home, 'config.toml'), `[projects.${JSON.stringify(repo.dir)}]\ntrust_level = "trusted"\n`);
      const got = await runTool(codex.bin, ['mcp', 'get', 'agentsync', '--json'], { CODEX_HOME: home });
      expect(JSON.parse(got.stdout).transport).toMatchObject({ type: 'stdio', command: 'npx', args: ['--no', 'agentsync', 'mcp'], env_vars: ['AGENTSYNC_AGENT'] });
    });
  });

  describe(`the Copilot CLI ${TOOL_VERSIONS.copilot}`, () => {
    const copilot = realTool('copilot');
    it('reads the server from .mcp.json', async () => {
      const copilotHome = makeTemp('copilot-home');
      writeFileSync(join(copilotHome, 'config.json'), JSON.stringify({ trusted_folders: [repo.dir] }));
      const got = await runTool(copilot.bin, ['mcp', 'get', 'agentsync'], copilotEnv(copilotHome));
      expect(got.stdout, got.stderr).toContain('Command: npx --no agentsync mcp');
      expect(got.stdout).toContain(`Source: Workspace (${join(repo.dir, '.mcp.json')})`);
    });
  });
});
