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
 * Compiling the ~300 KB bundle is most of its load time, so keep V8's compiled
 * code between runs. Node >= 22.1 does that itself (module.enableCompileCache);
 * on Node 20 the bundle is compiled with V8's code cache by hand (v8-compile-cache
 * was measured: its own start costs more than it saves here). Any cache problem
 * just compiles as usual.
 */
function loadBundle() {
  if (enableCompileCache) {
    enableCompileCache();
    return require(BUNDLE);
  }
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
  // Node 20 loses a script's import() handler in the code cache: the bundle's code uses require().
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

/**
 * The code cache file for this bundle, in a folder only this user can write;
 * undefined when there is none. V8 checks only a cache's length against the
 * source, so the key names the content: the hash the build wrote into the
 * bundle's first line (hashing 300 KB here would cost more than the cache
 * saves), plus size and mtime, which change when someone edits the file.
 */
function codeCacheFile(source, stat) {
  const hash = /^\/\/ agentsync-bundle sha256:([0-9a-f]{64})\n/.exec(source)?.[1];
  // NODE_DISABLE_COMPILE_CACHE turns Node's own cache off; it turns this one off too.
  if (!hash || process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  try {
    const uid = process.getuid?.();
    const dir = path.join(require('node:os').tmpdir(), `agentsync-code-cache-${uid ?? 'user'}`);
    let folder = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!folder) {
      fs.mkdirSync(dir, { mode: 0o700 });
      folder = fs.lstatSync(dir);
    }
    // Cached code runs as this user: never use a folder someone else owns or can write.
    if (!folder.isDirectory() || (uid !== undefined && folder.uid !== uid) || (folder.mode & 0o022) !== 0) return undefined;
    return path.join(dir, `${hash.slice(0, 32)}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}.bin`);
  } catch {
    return undefined;
  }
}

/**
 * Temp file and rename, so concurrent hooks (worktrees committing at once)
 * never read a half-written cache; caches of other builds a week old go.
 */
function writeAtomically(file, data) {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, data, { mode: 0o600 });
    fs.renameSync(temp, file);
    const dir = path.dirname(file);
    const weekAgo = Date.now() - 7 * 24 * 3600 * 1000;
    for (const name of fs.readdirSync(dir)) {
      const other = path.join(dir, name);
      if (other !== file && fs.statSync(other).mtimeMs < weekAgo) fs.rmSync(other, { force: true });
    }
  } catch {
    fs.rmSync(temp, { force: true });
  }
}

let main;
try {
  ({ main } = loadBundle());
} catch (error) {
  if (error && (error.code === 'ENOENT' || error.code === 'MODULE_NOT_FOUND') && String(error.message).includes(BUNDLE)) {
    // Only in a source checkout: published packages ship dist. `setup` runs from the install
    // script before any build, so it must not fail the install; anything else fails, and a hook
    // failing blocks (fail closed).
    const setup = process.argv[2] === 'setup';
    process.stderr.write(`agentsync: the CLI is not built yet${setup ? '; skipping setup' : ''}. Run \`npx nx run-many -t build\` in the AgentSync workspace.\n`);
    process.exit(setup ? 0 : 2);
  }
  throw error;
}
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
