/**
 * The end-to-end harness itself (tools/e2e): the install cache every real-binary and Nx
 * test builds on, and the switch that turns a tool that cannot be installed into a failure.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTemp, runProgram } from './fixture';

const E2E_TOOLS = resolve(__dirname, '../../../tools/e2e');

/** Runs an ES module script in a fresh Node process with `env`. */
const node = (script: string, env: NodeJS.ProcessEnv = {}) => runProgram(process.execPath, ['--input-type=module', '-e', script], { cwd: E2E_TOOLS, env });

/** A script that fills the entry `dir` slowly (a marker, a pause, its pid) and prints what cachedFolder returned. */
const buildEntry = (dir: string, fail = false) => `
  import { writeFileSync } from 'node:fs';
  import { join } from 'node:path';
  import { cachedFolder } from './cache.mjs';
  const got = await cachedFolder(${JSON.stringify(dir)}, async (temp) => {
    writeFileSync(join(temp, 'first'), 'x');
    await new Promise((r) => setTimeout(r, 300));
    if (${fail}) throw new Error('build failed');
    writeFileSync(join(temp, 'pid'), String(process.pid));
  });
  console.log(got);`;

describe('the e2e cache (tools/e2e/cache.mjs)', () => {
  it('makes one whole entry, however many runs build it at once, and keeps it', async () => {
    const root = makeTemp('e2e-cache');
    const dir = join(root, 'entry-1');
    const runs = await Promise.all([1, 2, 3].map(() => node(buildEntry(dir))));
    for (const run of runs) expect(run.stdout.trim(), run.stderr).toBe(dir);
    // One builder's complete folder, and no temporary folder left.
    expect(readdirSync(dir).sort()).toEqual(['first', 'pid']);
    expect(readdirSync(root)).toEqual(['entry-1']);

    writeFileSync(join(dir, 'pid'), 'kept');
    expect((await node(buildEntry(dir))).stdout.trim()).toBe(dir);
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe('kept');
  });

  it('a failed build leaves no entry, and the temporary folder of a run that died is removed', async () => {
    const root = makeTemp('e2e-cache');
    const dir = join(root, 'entry-1');
    const failed = await node(buildEntry(dir, true));
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('build failed');
    expect(readdirSync(root)).toEqual([]);

    // Left by a killed run: a pid that is not running (beyond the kernel's pid_max).
    mkdirSync(join(root, 'entry-1.building-99999999-abcd'));
    expect((await node(buildEntry(dir))).code).toBe(0);
    expect(readdirSync(root)).toEqual(['entry-1']);
  });
});

describe('AGENTSYNC_E2E_REQUIRE_TOOLS (tools/e2e/agent-tools.mjs)', () => {
  // An empty tools cache and a registry that refuses connections: the pinned Codex cannot be had.
  const unreachable = () => ({ AGENTSYNC_E2E_TOOLS: makeTemp('e2e-tools'), npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' });
  const ensureCodex = `
    import { ensureTool } from './agent-tools.mjs';
    ensureTool('codex').then((tool) => console.log(JSON.stringify(tool)), (error) => { console.error(error.message); process.exit(3); });`;

  it('unset, a tool that cannot be installed is a skip with the reason', async () => {
    const run = await node(ensureCodex, unreachable());
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).skip).toMatch(/^@openai\/codex@[\d.]+ could not be installed into .*the real-binary tests need the npm registry once$/);
  });

  it('set to 1, it is a failure with the same reason', async () => {
    const run = await node(ensureCodex, { ...unreachable(), AGENTSYNC_E2E_REQUIRE_TOOLS: '1' });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^AGENTSYNC_E2E_REQUIRE_TOOLS=1, and @openai\/codex@[\d.]+ could not be installed/);
  });
});
