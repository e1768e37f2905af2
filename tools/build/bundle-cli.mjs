#!/usr/bin/env node
/**
 * Bundles the agentsync binary (packages/cli/dist/main.js, as tsc built it)
 * into one file, packages/cli/dist/agentsync.js, which bin/agentsync.js loads.
 *
 * Why: every git commit starts the pre-commit hook, and resolving and loading
 * the ~25 modules of its path cost more than a third of what the hook adds
 * (tools/bench/hooks.mjs). The bundle keeps each module's lazy `require()`
 * lazy, so a command still runs only the code it needs.
 *
 * What is inlined: AgentSync's own code and the small packages every command
 * uses. Everything else (zod, jsonc-parser, …) stays a `require()` that runs
 * only when needed, and must then be a dependency of @agentsync/cli itself,
 * or strict installs (pnpm) could not resolve it from the bundle: the build
 * fails when one is not.
 *
 *   node tools/build/bundle-cli.mjs   (the last step of `nx run @agentsync/cli:build`)
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const cli = fileURLToPath(new URL('../../packages/cli/', import.meta.url));
const INLINED = new Set(['@agentsync/core', 'picomatch', 'picocolors']);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (id) => id.split('/').slice(0, id.startsWith('@') ? 2 : 1).join('/');
const builtins = new Set(builtinModules);

const output = join(cli, 'dist/agentsync.js');
/** Hands rolldown each built file with the map tsc wrote beside it. */
const withInputSourceMap = {
  name: 'input-source-map',
  load(id) {
    if (!id.endsWith('.js') || !existsSync(`${id}.map`)) return null;
    return { code: readFileSync(id, 'utf8'), map: readFileSync(`${id}.map`, 'utf8') };
  },
};
const left = new Set();
await build({
  input: join(cli, 'dist/main.js'),
  // Module paths in the bundle's comments, and so its hash, do not depend on where this runs.
  cwd: cli,
  platform: 'node',
  logLevel: 'warn',
  // Resolve each package's `default` export (dist), never the workspace's source condition.
  resolve: { conditionNames: ['node', 'require', 'default'] },
  external(id, importer, isResolved) {
    // Asked again with each resolved path (C:\… on Windows would look bare): those are ours.
    if (isResolved || isAbsolute(id) || /^[.\0]/.test(id) || id.startsWith('node:') || builtins.has(id) || INLINED.has(packageOf(id))) return false;
    left.add(packageOf(id));
    return true;
  },
  // tsc's source maps come along, so the bundle's map points to the TypeScript sources
  // (AGENTSYNC_DEBUG=1 traces, bin/agentsync.js).
  plugins: [withInputSourceMap],
  // One file: config/load's lazy import must not become a second chunk.
  output: { file: output, format: 'cjs', codeSplitting: false, sourcemap: true },
  onLog(level, log, handler) {
    // Expected with one chunk: a module both imported lazily and statically stays lazy where it was lazy.
    if (log.code !== 'INEFFECTIVE_DYNAMIC_IMPORT') handler(level, log);
  },
});

// The bin keys its code cache by this line (bin/agentsync.js): hashing the file on every start would cost more.
const body = readFileSync(output, 'utf8');
writeFileSync(output, `// agentsync-bundle sha256:${createHash('sha256').update(body).digest('hex')}\n${body}`);
// That line moved every other one down: so do the map's lines (a ';' is an empty first line).
const map = JSON.parse(readFileSync(`${output}.map`, 'utf8'));
writeFileSync(`${output}.map`, JSON.stringify({ ...map, mappings: `;${map.mappings}` }));

const readManifest = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const manifest = readManifest(cli);
const declared = manifest.dependencies ?? {};
const core = readManifest(join(cli, '../core')).dependencies ?? {};
const problems = [...left].flatMap((name) => {
  if (!(name in declared)) return [`${name} is not in its "dependencies"`];
  if (name in core && core[name] !== declared[name]) return [`${name} is "${declared[name]}" there but "${core[name]}" in @agentsync/core`];
  return [];
});
// The inlined packages are part of the build's output: a new version of one must not let Nx
// restore a bundle from its cache.
const hashed = new Set(manifest.nx.targets.build.inputs.flatMap((input) => input.externalDependencies ?? []));
for (const name of INLINED) {
  if (!name.startsWith('@agentsync/') && !hashed.has(name)) problems.push(`${name} is inlined, but not among the build target's inputs (externalDependencies)`);
}
if (problems.length > 0) {
  console.error(
    `bundle-cli: packages/cli/package.json does not match the bundle:\n` +
      problems.map((problem) => `  - ${problem}\n`).join('') +
      '  Declare what the bundle requires at the version @agentsync/core uses, or inline it (INLINED here);\n' +
      '  list each inlined package in nx.targets.build.inputs[].externalDependencies.',
  );
  process.exit(1);
}
