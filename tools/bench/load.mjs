#!/usr/bin/env node
/**
 * Module load cost, beside `node -e 0` in the same run: the config schema
 * (zod) that validating `.agentsync.json` needs, against what the bin loads
 * before it runs a command: the bundled CLI (dist/agentsync.js), with its
 * code cache warm (as every hook after the first finds it) and without it,
 * and the same modules unbundled, as the library's dist holds them (what the
 * bin loaded before the bundle).
 *
 * Goal: the bin loads without zod and adds less than half of what the zod
 * schema adds. (That the whole pre-commit hook never loads zod with a warm
 * config cache is checked by hooks.mjs.)
 *
 *   node tools/bench/load.mjs [--quick]
 */
import { join } from 'node:path';
import { CLI, CORE_DIST, NODE, ROOT, benchEnv, isMain, parseFlags, printResult, progress, run, sampleInterleaved } from './lib.mjs';

const CLI_DIST = join(ROOT, 'packages/cli/dist');
const requireOf = (path) => `require(${JSON.stringify(path)})`;
const listLoaded = 'console.log(JSON.stringify(Object.keys(require.cache)))';
const isZod = (file) => /[\\/]node_modules[\\/]zod[\\/]/.test(file);

export async function runLoadBench({ quick = false } = {}) {
  const runs = quick ? 7 : 31;
  progress(`load: ${runs} interleaved rounds`);
  const schema = requireOf(join(CORE_DIST, 'config/schema'));
  const unbundled = `${requireOf(join(CLI_DIST, 'commands/hook'))}; ${requireOf(join(CORE_DIST, 'hooks/index.js'))}`;
  const cwd = ROOT;
  run(NODE, [CLI, '--version'], { cwd }); // warms the code cache
  const variants = [
    { name: 'node', cmd: NODE, args: ['-e', '0'], cwd },
    { name: 'schema', cmd: NODE, args: ['-e', schema], cwd },
    { name: 'bin', cmd: NODE, args: [CLI, '--version'], cwd },
    { name: 'bin-uncached', cmd: NODE, args: [CLI, '--version'], cwd, env: benchEnv({ NODE_DISABLE_COMPILE_CACHE: '1' }) },
    { name: 'unbundled', cmd: NODE, args: ['-e', unbundled], cwd },
  ];
  const stats = sampleInterleaved(variants, { runs });

  const loaded = (code) => JSON.parse(run(NODE, ['-e', `${code}; ${listLoaded}`], { cwd }).stdout);
  const binLoaded = loaded(requireOf(join(CLI_DIST, 'agentsync.js')));
  const unbundledFiles = loaded(unbundled).length;
  const schemaFiles = loaded(schema).length;
  const zodLoaded = binLoaded.some(isZod);

  const node = stats.get('node').median;
  const schemaAdds = stats.get('schema').median - node;
  const binAdds = stats.get('bin').median - node;
  return {
    id: 'load',
    title: 'module load cost (require in a fresh node)',
    variants: [
      ['node -e 0', stats.get('node')],
      [`require core/config/schema (zod; ${schemaFiles} files)`, stats.get('schema')],
      [`bin/agentsync.js --version: the bundle, code cache warm (${binLoaded.length} file${zodLoaded ? ', zod among them' : ', no zod'})`, stats.get('bin')],
      ['the same with NODE_DISABLE_COMPILE_CACHE=1 (compiled each time)', stats.get('bin-uncached')],
      [`require cli/commands/hook + core/hooks unbundled (${unbundledFiles} files)`, stats.get('unbundled')],
    ],
    goals: [
      { label: 'zod schema load', subjectMs: stats.get('schema').median, baseline: 'node -e 0', baselineMs: node, goal: `— (adds ${schemaAdds.toFixed(1)} ms)` },
      {
        label: 'bin load (bundle, cached)',
        subjectMs: stats.get('bin').median,
        baseline: 'node -e 0',
        baselineMs: node,
        goal: `no zod; adds ${binAdds.toFixed(1)} ≤ ½ zod's ${schemaAdds.toFixed(1)} ms`,
        pass: !zodLoaded && binAdds <= schemaAdds / 2,
      },
      { label: 'bin load (bundle, uncached)', subjectMs: stats.get('bin-uncached').median, baseline: 'bin load (bundle, cached)', baselineMs: stats.get('bin').median, goal: '— (what the code cache saves)' },
      { label: 'hook modules unbundled', subjectMs: stats.get('unbundled').median, baseline: 'bin load (bundle, cached)', baselineMs: stats.get('bin').median, goal: '— (what the bundle saves)' },
    ],
    notes: [
      '`--version` loads the bin and the bundle and runs no command: what every hook pays before its own work. The bundle keeps each module lazy, so a command then runs only its own code',
      'the unbundled row requires the hook command and core/hooks from the library\'s dist: the files the hook loaded before the bundle',
    ],
  };
}

if (isMain(import.meta.url)) printResult(await runLoadBench(parseFlags()));
