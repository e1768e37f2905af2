/**
 * The bin's start: the bundle it loads and the code cache it keeps (bin/agentsync.js).
 * Each test runs a copy of the bin and the bundle, with its own TMPDIR.
 */
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTemp, runProgram } from './fixture';
import { HAS_OTHER_NODE, OTHER_NODE_VERSION, otherNode } from './other-node';

const PACKAGE = resolve(__dirname, '..');
/** Node >= 22.1 keeps compiled code itself (not in @types/node 20). */
const nodeCachesItself = 'enableCompileCache' in nodeModule;
const { version } = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { version: string };

/** A copy of the bin and its bundle, run by `node`, and a private TMPDIR for its cache. */
function install(node = process.execPath) {
  const root = makeTemp('bin');
  const tmp = join(root, 'tmp');
  for (const file of ['bin/agentsync.js', 'dist/agentsync.js']) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    copyFileSync(join(PACKAGE, file), join(root, file));
  }
  mkdirSync(tmp);
  const cacheDir = join(tmp, `agentsync-code-cache-${process.getuid?.() ?? 'user'}`);
  const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir).sort() : []);
  const agentsync = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await runProgram(node, [join(root, 'bin/agentsync.js'), ...args], { cwd: root, env: { TMPDIR: tmp, ...env } });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    return result.stdout.trim();
  };
  const version = (env: NodeJS.ProcessEnv = {}) => agentsync(['--version'], env);
  return { root, tmp, cacheDir, cacheFiles, agentsync, version };
}

/** A cache folder someone else could write is not used, nor any cache with NODE_DISABLE_COMPILE_CACHE; nor Node's default. */
async function keepsNoUnsafeCache(bin: ReturnType<typeof install>) {
  mkdirSync(bin.cacheDir);
  chmodSync(bin.cacheDir, 0o777);
  expect(await bin.version()).toBe(version);
  expect(bin.cacheFiles()).toEqual([]);
  chmodSync(bin.cacheDir, 0o700);
  expect(await bin.version({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBe(version);
  expect(bin.cacheFiles()).toEqual([]);
  expect(existsSync(join(bin.tmp, 'node-compile-cache'))).toBe(false);
}

describe.skipIf(nodeCachesItself)('the code cache on Node 20', () => {
  it.concurrent('is written on the first run into a private folder, then read as it is', async () => {
    const bin = install();
    expect(await bin.version()).toBe(version);
    const [file] = bin.cacheFiles();
    expect(bin.cacheFiles()).toEqual([expect.stringMatching(/^[0-9a-f]{32}-\d+-\d+-v[\d.]+-\w+-other\.bin$/)]);
    expect(statSync(bin.cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(bin.cacheDir, file)).mode & 0o777).toBe(0o600);
    const written = readFileSync(join(bin.cacheDir, file));
    expect(await bin.version()).toBe(version);
    expect(readFileSync(join(bin.cacheDir, file))).toEqual(written);
  });

  it.concurrent('keeps one cache per command: each holds what its own first run compiled', async () => {
    const bin = install();
    await bin.version();
    expect(await bin.agentsync(['help'])).toContain('Usage: agentsync');
    expect(bin.cacheFiles().map((file) => file.replace(/^.*-/, ''))).toEqual(['help.bin', 'other.bin']);
  });

  it.concurrent('replaces a corrupt cache and keys an edited bundle apart', async () => {
    const bin = install();
    await bin.version();
    const [file] = bin.cacheFiles();
    writeFileSync(join(bin.cacheDir, file), 'not a code cache');
    expect(await bin.version()).toBe(version);
    expect(readFileSync(join(bin.cacheDir, file), 'utf8')).not.toBe('not a code cache');
    appendFileSync(join(bin.root, 'dist/agentsync.js'), '\n// edited by hand\n');
    expect(await bin.version()).toBe(version);
    expect(bin.cacheFiles()).toHaveLength(2);
  });

  it.concurrent('is not used in a folder others can write, nor with NODE_DISABLE_COMPILE_CACHE', () => keepsNoUnsafeCache(install()));
});

/** This Node where it keeps compiled code itself, else Node 22 from the registry (other-node.ts). */
const nodeWithOwnCache = async () => (nodeCachesItself ? process.execPath : otherNode());

describe.skipIf(!nodeCachesItself && !HAS_OTHER_NODE)(`the code cache on Node >= 22.1 (here ${nodeCachesItself ? process.version : OTHER_NODE_VERSION})`, () => {
  it("is Node's own, in the private folder rather than Node's shared default", async () => {
    const bin = install(await nodeWithOwnCache());
    expect(await bin.version()).toBe(version);
    expect(existsSync(join(bin.tmp, 'node-compile-cache'))).toBe(false);
    expect(bin.cacheFiles()).not.toEqual([]);
  });

  it('is not used in a folder others can write, nor with NODE_DISABLE_COMPILE_CACHE', async () => keepsNoUnsafeCache(install(await nodeWithOwnCache())));
});

describe('stack traces', () => {
  const notARepo = () => {
    const cwd = makeTemp('no-repo');
    const tmp = join(cwd, 'tmp');
    mkdirSync(tmp);
    return (env: NodeJS.ProcessEnv) => runProgram(process.execPath, [join(PACKAGE, 'bin/agentsync.js'), 'status'], { cwd, env: { TMPDIR: tmp, ...env } });
  };

  it('name the TypeScript sources under AGENTSYNC_DEBUG=1 (the bundle has a source map)', async () => {
    const { code, stderr } = await notARepo()({ AGENTSYNC_DEBUG: '1' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/at openRepo \(.*packages[\\/]core[\\/]src[\\/]git[\\/]git\.ts:\d+:\d+\)/);
  });

  it('stay unmapped, and unprinted, otherwise', async () => {
    const { code, stderr } = await notARepo()({});
    expect(code).toBe(2);
    expect(stderr).not.toMatch(/\bat /);
  });
});

describe('a checkout before its first build', () => {
  it('setup, which the install runs, says nothing and exits 0; any other command exits 2 saying to build', async () => {
    const root = makeTemp('unbuilt');
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(PACKAGE, 'bin/agentsync.js'), join(root, 'bin/agentsync.js'));
    expect(await runProgram(process.execPath, [join(root, 'bin/agentsync.js'), 'setup'], { cwd: root })).toEqual({ code: 0, stdout: '', stderr: '' });
    const status = await runProgram(process.execPath, [join(root, 'bin/agentsync.js'), 'status'], { cwd: root });
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('the CLI is not built yet');
  });
});
