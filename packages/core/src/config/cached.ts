/**
 * The git hooks' way to the config. Validation loads zod and costs ~30 ms, so the normalized
 * config is cached beside the file's exact text and, while the file is unchanged, zod is never loaded.
 * (Comparing the text itself costs less than loading node:crypto to hash it: config files are small.)
 * Only types and zod-free modules may be imported statically here.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_FILE, CONFIG_SCHEMA_VERSION } from './constants';

/** The config's file name, for the hooks' messages without loading the schema. */
export { CONFIG_FILE };
import type { AgentSyncConfig } from './schema';

/** A new AgentSync release may normalize differently, so its version is part of the key too. */
// A relative path: resolving the package's own exports map costs more on this hot path.
const { version } = require('../../package.json') as { version: string };
const CACHE_KEY_PREFIX = `agentsync ${version} schema ${CONFIG_SCHEMA_VERSION}\0`;

/** The cache file's name inside the cache directory. */
export const CONFIG_CACHE_FILE = 'config-cache.json';

/** Like loadConfig, but answers from `<cacheDir>/config-cache.json` while the file's bytes are unchanged. Throws ConfigError. */
export async function loadConfigCached(
  root: string,
  cacheDir: string,
): Promise<{ config: AgentSyncConfig; exists: boolean }> {
  const file = join(root, CONFIG_FILE);
  let bytes: Buffer | undefined;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return loadUncached(root);
  }
  const exists = bytes !== undefined;
  // latin1 keeps every byte: bytes that are not UTF-8 must not share a key with the text they decode to.
  const key = `${CACHE_KEY_PREFIX}${bytes ? `file\0${bytes.toString('latin1')}` : 'absent'}`;
  const cacheFile = join(cacheDir, CONFIG_CACHE_FILE);
  const cached = await readCache(cacheFile, key);
  if (cached) return { config: cached, exists };

  const { validateConfig, validateConfigBytes } = await import('./load.js');
  const config = bytes ? validateConfigBytes(bytes, file) : validateConfig('{}', file);
  await writeCache(cacheDir, cacheFile, JSON.stringify({ key, config }));
  return { config, exists };
}

/** For files that exist but cannot be read: loadConfig turns that into the right ConfigError. */
async function loadUncached(root: string) {
  const { config, exists } = await (await import('./load.js')).loadConfig(root);
  return { config, exists };
}

async function readCache(cacheFile: string, key: string): Promise<AgentSyncConfig | undefined> {
  try {
    const entry = JSON.parse(await readFile(cacheFile, 'utf8')) as { key?: unknown; config?: AgentSyncConfig };
    return entry.key === key ? entry.config : undefined;
  } catch {
    return undefined;
  }
}

/** Temp file and rename: a concurrent hook reads the old entry or the new one, never half. A failed write only costs speed. */
async function writeCache(cacheDir: string, cacheFile: string, content: string): Promise<void> {
  const temp = `${cacheFile}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(temp, content);
    await rename(temp, cacheFile);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}
