#!/usr/bin/env node
'use strict';
// Committed as plain JavaScript so npm links the bin at install time, before the build.
// It loads dist/agentsync.js, the whole CLI in one file (tools/build/bundle-cli.mjs): a git hook
// starts it on every commit, so its start is worth milliseconds (tools/bench/hooks.mjs).
const fs = require('node:fs');
const { createRequire, enableCompileCache } = require('node:module');
const path = require('node:path');

const BUNDLE = path.join(__dirname, '../dist/agentsync.js');

/**
 * Compiling the ~300 KB bundle is most of its load time, so V8's compiled code
 * is kept between runs, in a folder only this user can write (cached code runs
 * as this user). Node >= 22.1 keeps it itself (module.enableCompileCache); on
 * Node 20 the bin does, by hand (v8-compile-cache was measured: its own start
 * costs more than it saves here). NODE_DISABLE_COMPILE_CACHE turns both off;
 * any cache problem just compiles as usual.
 */
function loadBundle() {
  const disabled = Boolean(process.env.NODE_DISABLE_COMPILE_CACHE);
  const debugging = process.env.AGENTSYNC_DEBUG === '1';
  // Stack traces name the TypeScript sources (dist/agentsync.js.map). Only when debugging:
  // reading the map costs more than a hook may.
  if (debugging) process.setSourceMapsEnabled(true);
  if (enableCompileCache) {
    // NODE_COMPILE_CACHE names a folder the user chose; Node's default one in the temp
    // folder could have been made by another user.
    if (!disabled) {
      const dir = process.env.NODE_COMPILE_CACHE ? undefined : privateCacheDir();
      if (dir || process.env.NODE_COMPILE_CACHE) enableCompileCache(dir);
    }
    return require(BUNDLE);
  }
  // Node 20 loses a script's import() handler in a code cache, so the bundle's code loads ES
  // modules with require(), which needs Node 20.19 (process.features.require_module). Older
  // Node 20, 21 and 22.0 keep import() working by loading the bundle uncached.
  // A debugging run loads it uncached too: Node maps the traces of required files only.
  if (disabled || debugging || !process.features.require_module) return require(BUNDLE);
  const fd = fs.openSync(BUNDLE, 'r');
  const stat = fs.fstatSync(fd);
  const source = fs.readFileSync(fd, 'utf8');
  fs.closeSync(fd);
  const cacheFile = codeCacheFile(source, stat);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {
    // Not cached yet.
  }
  const { Script } = require('node:vm');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData });
  const module = { exports: {}, filename: BUNDLE };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    // At exit, so the cache also holds the functions this run compiled lazily.
    process.once('exit', () => writeAtomically(cacheFile, script.createCachedData()));
  }
  return module.exports;
}

/** `<tmp>/agentsync-code-cache-<uid>`, made if missing; undefined when someone else owns it or can write to it. */
function privateCacheDir() {
  try {
    const uid = process.getuid?.();
    const dir = path.join(require('node:os').tmpdir(), `agentsync-code-cache-${uid ?? 'user'}`);
    let folder = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!folder) {
      fs.mkdirSync(dir, { mode: 0o700 });
      folder = fs.lstatSync(dir);
    }
    if (!folder.isDirectory()) return undefined;
    // Windows has neither owners nor modes here: its temp folder is per user already.
    if (uid !== undefined && (folder.uid !== uid || (folder.mode & 0o022) !== 0)) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * The Node 20 code cache file for this bundle and this command. V8 checks only
 * a cache's length against the source, so the key names the content: the hash
 * the build wrote into the bundle's first line (hashing 300 KB here would cost
 * more than the cache saves), plus size and mtime, which change when someone
 * edits the file. A cache is written once, with what its first run compiled,
 * so each command has its own: the hooks' code is not what `setup` runs.
 */
function codeCacheFile(source, stat) {
  const hash = /^\/\/ agentsync-bundle sha256:([0-9a-f]{64})\n/.exec(source)?.[1];
  const dir = hash && privateCacheDir();
  if (!dir) return undefined;
  const [name, sub] = process.argv.slice(2);
  const command = name === 'hook' ? `hook-${sub}` : name;
  const kind = /^[a-z][a-z-]{0,29}$/.test(command ?? '') ? command : 'other';
  return path.join(dir, `${hash.slice(0, 32)}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}-${kind}.bin`);
}

/**
 * Temp file and rename, so concurrent hooks (worktrees committing at once)
 * never read a half-written cache. Caches written a month ago or more go:
 * builds come and go (an upgrade, a rebuild), and a live one is rewritten once.
 */
function writeAtomically(file, data) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, data, { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    fs.rmSync(temp, { force: true });
    return;
  }
  const dir = path.dirname(file);
  const monthAgo = Date.now() - 30 * 24 * 3600 * 1000;
  for (const name of fs.readdirSync(dir)) {
    try {
      const other = path.join(dir, name);
      if (name.endsWith('.bin') && fs.statSync(other).mtimeMs < monthAgo) fs.rmSync(other, { force: true });
    } catch {
      // Gone already: another process pruned it.
    }
  }
}

let main;
try {
  ({ main } = loadBundle());
} catch (error) {
  const missing = error && (error.code === 'ENOENT' ? error.path === BUNDLE : error.code === 'MODULE_NOT_FOUND' && String(error.message).startsWith(`Cannot find module '${BUNDLE}'`));
  if (missing) {
    // Only in a source checkout: published packages ship dist. `setup` runs from the install
    // script before any build, so it must not fail the install; anything else fails, and a hook
    // failing blocks (fail closed).
    // `setup` runs from the install's "prepare" before the first build: nothing to say there.
    if (process.argv[2] === 'setup') process.exit(0);
    process.stderr.write('agentsync: the CLI is not built yet. Run `npx nx run-many -t build` in the AgentSync workspace.\n');
    process.exit(2);
  }
  throw error;
}
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
