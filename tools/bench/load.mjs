#!/usr/bin/env node
/**
 * Module load cost, beside `node -e 0` in the same run: the config schema
 * (zod) that validating `.agentsync.json` needs, against the modules the
 * pre-commit hook loads. It documents why the hooks read the config from a
 * cache keyed by the file's hash instead of validating it on every commit.
 *
 * Goal: the hook's modules load without zod (checked in a child process) and
 * add less than half of what the zod schema adds.
 *
 *   node tools/bench/load.mjs [--quick]
 */
import { join } from 'node:path';
import { CORE_DIST, NODE, ROOT, isMain, parseFlags, printResult, progress, run, sampleInterleaved } from './lib.mjs';

const CLI_DIST = join(ROOT, 'packages/cli/dist');
const requireOf = (path) => `require(${JSON.stringify(path)})`;

export async function runLoadBench({ quick = false } = {}) {
  const runs = quick ? 7 : 31;
  progress(`load: ${runs} interleaved rounds`);
  const modules = {
    schema: join(CORE_DIST, 'config/schema'),
    hooks: join(CORE_DIST, 'hooks'),
    hookCommand: join(CLI_DIST, 'commands/hook'),
  };
  const cwd = ROOT;
  const variants = [
    { name: 'node', cmd: NODE, args: ['-e', '0'], cwd },
    { name: 'schema', cmd: NODE, args: ['-e', requireOf(modules.schema)], cwd },
    { name: 'hooks', cmd: NODE, args: ['-e', `${requireOf(modules.hookCommand)}; ${requireOf(modules.hooks)}`], cwd },
  ];
  const stats = sampleInterleaved(variants, { runs });

  // Which files the hook path pulls in, and whether zod is among them.
  const listing = run(
    NODE,
    ['-e', `${requireOf(modules.hookCommand)}; ${requireOf(modules.hooks)}; console.log(JSON.stringify(Object.keys(require.cache)))`],
    { cwd },
  ).stdout;
  const loaded = JSON.parse(listing);
  const zodLoaded = loaded.some((file) => /[\\/]node_modules[\\/]zod[\\/]/.test(file));
  const schemaFiles = JSON.parse(run(NODE, ['-e', `${requireOf(modules.schema)}; console.log(JSON.stringify(Object.keys(require.cache)))`], { cwd }).stdout);

  const node = stats.get('node').median;
  const schemaAdds = stats.get('schema').median - node;
  const hooksAdds = stats.get('hooks').median - node;
  return {
    id: 'load',
    title: 'module load cost (require in a fresh node)',
    variants: [
      ['node -e 0', stats.get('node')],
      [`require core/config/schema (zod; ${schemaFiles.length} files)`, stats.get('schema')],
      [`require cli/commands/hook + core/hooks (${loaded.length} files${zodLoaded ? ', zod among them' : ', no zod'})`, stats.get('hooks')],
    ],
    goals: [
      { label: 'zod schema load', subjectMs: stats.get('schema').median, baseline: 'node -e 0', baselineMs: node, goal: `— (adds ${schemaAdds.toFixed(1)} ms)` },
      {
        label: 'hook modules load',
        subjectMs: stats.get('hooks').median,
        baseline: 'node -e 0',
        baselineMs: node,
        goal: `no zod; adds ${hooksAdds.toFixed(1)} ≤ ½ zod's ${schemaAdds.toFixed(1)} ms`,
        pass: !zodLoaded && hooksAdds <= schemaAdds / 2,
      },
    ],
    notes: ['the hook modules are what `agentsync hook pre-commit` requires before it runs: the hook command and core/hooks (their static imports, not the lazily loaded config validator)'],
  };
}

if (isMain(import.meta.url)) printResult(await runLoadBench(parseFlags()));
