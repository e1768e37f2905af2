import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { CONFIG_CACHE_FILE, loadConfigCached } from './cached';
import { defaultConfig } from './schema';

describe('loadConfigCached', () => {
  let root: string;
  let cacheDir: string;
  const configFile = () => join(root, '.agentsync.json');
  const cacheFile = () => join(cacheDir, CONFIG_CACHE_FILE);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'agentsync-cached-'));
    cacheDir = join(root, '.git', 'agentsync');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('validates on a miss and answers from the cache on a hit', async () => {
    await writeFile(configFile(), '{ "hotFiles": ["package.json"] }');
    const first = await loadConfigCached(root, cacheDir);
    expect(first.exists).toBe(true);
    expect(first.config.hotFiles).toEqual([{ path: 'package.json', maxChangedLines: 200, requireClaim: false }]);

    // Only a cache hit can return what was planted in the entry.
    const entry = JSON.parse(await readFile(cacheFile(), 'utf8'));
    expect(entry.config).toEqual(first.config);
    await writeFile(cacheFile(), JSON.stringify({ key: entry.key, config: { ...entry.config, gates: 'planted' } }));
    expect((await loadConfigCached(root, cacheDir)).config.gates).toBe('planted');
  });

  it('refuses bytes that are not UTF-8, even when they decode to a cached text', async () => {
    // U+FFFD is what a lossy decoding of the 0xff byte gives: the two must not share an entry.
    await writeFile(configFile(), '{ "branches": { "pattern": "{agent}/\ufffd" } }');
    await loadConfigCached(root, cacheDir);
    await writeFile(configFile(), Buffer.concat([Buffer.from('{ "branches": { "pattern": "{agent}/'), Buffer.from([0xff]), Buffer.from('" } }')]));
    await expect(loadConfigCached(root, cacheDir)).rejects.toThrow(/not valid UTF-8/);
  });

  it('gives the same config on a hit as on a miss', async () => {
    await writeFile(configFile(), '{ "tiers": { "2": { "model": "gpt-5" } }, "claims": { "ttl": "30m" } }');
    const miss = await loadConfigCached(root, cacheDir);
    const hit = await loadConfigCached(root, cacheDir);
    expect(hit).toEqual(miss);
  });

  it('misses when the file changes', async () => {
    await writeFile(configFile(), '{ "sessions": { "required": false } }');
    expect((await loadConfigCached(root, cacheDir)).config.sessions.required).toBe(false);
    await writeFile(configFile(), '{ "sessions": { "required": true } }');
    expect((await loadConfigCached(root, cacheDir)).config.sessions.required).toBe(true);
  });

  it('gives and caches the defaults when there is no file, and notices when one appears', async () => {
    expect(await loadConfigCached(root, cacheDir)).toEqual({ config: defaultConfig(), exists: false });
    expect(await loadConfigCached(root, cacheDir)).toEqual({ config: defaultConfig(), exists: false });
    await writeFile(configFile(), '{}');
    expect(await loadConfigCached(root, cacheDir)).toEqual({ config: defaultConfig(), exists: true });
  });

  it('throws ConfigError for an invalid file and caches nothing', async () => {
    await writeFile(configFile(), '{ "helth": {} }');
    const error = await loadConfigCached(root, cacheDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('did you mean "health"?');
    await expect(readFile(cacheFile())).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(loadConfigCached(root, cacheDir)).rejects.toBeInstanceOf(ConfigError);
  });

  it('ignores a corrupt cache and replaces it', async () => {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(cacheFile(), '{"key":');
    expect((await loadConfigCached(root, cacheDir)).config).toEqual(defaultConfig());
    expect(JSON.parse(await readFile(cacheFile(), 'utf8')).config).toEqual(defaultConfig());
  });

  it('still answers when the cache cannot be written', async () => {
    await mkdir(join(root, '.git'));
    await writeFile(cacheDir, 'a file where the cache directory should be');
    expect((await loadConfigCached(root, cacheDir)).config).toEqual(defaultConfig());
  });
});

describe('loadConfigCached, compiled', () => {
  const packageDir = join(__dirname, '..', '..');
  let outDir: string;

  // Compiles the config module alone, so the test does not depend on the rest of the package building;
  // one level below the package, as dist is, so its require of ../../package.json resolves the same.
  beforeAll(async () => {
    outDir = await mkdtemp(join(packageDir, '.test-build-'));
    const tsc = require.resolve('typescript/bin/tsc');
    const options = ['--ignoreConfig', '--outDir', outDir, '--rootDir', join(packageDir, 'src')];
    const compiler = ['--module', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck', '--types', 'node'];
    execFileSync(process.execPath, [tsc, ...options, ...compiler, join(__dirname, 'cached.ts')], { cwd: packageDir });
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('does not load zod or jsonc-parser on a cache hit', async () => {
    const root = await mkdtemp(join(tmpdir(), 'agentsync-cached-'));
    try {
      await writeFile(join(root, '.agentsync.json'), '{ "hotFiles": ["package.json"] }');
      const script = `
        const { loadConfigCached } = require(${JSON.stringify(join(outDir, 'config', 'cached.js'))});
        loadConfigCached(process.argv[1], process.argv[2]).then(({ config }) => {
          const loaded = (name) => Object.keys(require.cache).some((file) => file.includes('/node_modules/' + name + '/'));
          process.stdout.write(JSON.stringify({ zod: loaded('zod'), jsonc: loaded('jsonc-parser'), hotFiles: config.hotFiles }));
        });`;
      const run = () =>
        JSON.parse(execFileSync(process.execPath, ['-e', script, root, join(root, 'cache')], { encoding: 'utf8' }));
      const hotFiles = [{ path: 'package.json', maxChangedLines: 200, requireClaim: false }];
      // The miss proves the probe sees zod when it is loaded.
      expect(run()).toEqual({ zod: true, jsonc: true, hotFiles });
      expect(run()).toEqual({ zod: false, jsonc: false, hotFiles });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
