#!/usr/bin/env node
/**
 * What a pre-commit hook adds to `git commit`, all variants committing the
 * same 50 staged files in one repository, interleaved:
 *   (a) no hook (bare git commit)
 *   (b) a hook running `node -e 0` (one Node start)
 *   (c) husky 9 + lint-staged 16 with a no-op task ("*": "true")
 *   (d) `agentsync hook pre-commit`, 200 live claims by other agents (none on
 *       the staged files, so it passes), config cache warm
 *   (e) the same with the config cache removed before each commit (cold: zod loads)
 *
 * Goals: AgentSync adds at most 1.5× what the `node -e 0` hook adds, and far
 * less (here: at most half) of what husky + lint-staged adds.
 *
 *   node tools/bench/hooks.mjs [--quick] [--keep]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  addedOver,
  CLI,
  NODE,
  ROOT,
  benchEnv,
  hookFolder,
  isMain,
  keepTempDirs,
  liveClaim,
  makeRepo,
  parseFlags,
  printResult,
  progress,
  run,
  runGitWithHook,
  TRACE,
  tracedRun,
  sampleInterleaved,
  writeFiles,
  writeState,
} from './lib.mjs';

export const STAGED_FILES = 50;
export const AGENT = 'alice';

/**
 * lint-staged 16 (and husky 9 when the workspace has none) installed once into
 * a temp folder outside the workspace and reused by later runs: the benchmark
 * adds no dependency to the project.
 */
export function hookTools() {
  const dir = join(os.tmpdir(), 'agentsync-bench-tools');
  const modules = join(dir, 'node_modules');
  const major = (pkg) => {
    try {
      return Number(JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version.split('.')[0]);
    } catch {
      return undefined;
    }
  };
  const workspaceHusky = join(ROOT, 'node_modules/husky');
  const useWorkspaceHusky = major(workspaceHusky) === 9;
  const want = [];
  if (major(join(modules, 'lint-staged')) !== 16) want.push('lint-staged@16');
  if (!useWorkspaceHusky && major(join(modules, 'husky')) !== 9) want.push('husky@9');
  if (want.length > 0) {
    progress(`hooks: installing ${want.join(' ')} into ${dir} (once; reused by later runs)`);
    mkdirSync(dir, { recursive: true });
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, ...want], { cwd: dir, env: process.env });
  }
  const husky = useWorkspaceHusky ? workspaceHusky : join(modules, 'husky');
  const version = (pkg) => JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version;
  return { modules, husky, huskyVersion: version(husky), lintStagedVersion: version(join(modules, 'lint-staged')) };
}

/** 200 live claims by 40 other agents, none covering src/app/** (the staged files), plus one on src/guarded.ts. */
export function othersClaims(now = Date.now()) {
  const claims = [];
  for (let i = 0; i < 199; i++) {
    const glob = [`packages/p${i}/**`, `docs/d${i}.md`, `src/lib/l${i}/*.ts`, `src/feature-${i}.ts`][i % 4];
    claims.push(liveClaim(`other-${i % 40}`, glob, { now }));
  }
  claims.push(liveClaim('other-0', 'src/guarded.ts', { now }));
  return claims;
}

export async function runHooksBench({ quick = false } = {}) {
  const runs = quick ? 5 : 21;
  const tools = hookTools();
  progress(`hooks: fixture (${STAGED_FILES} files, 200 claims, husky ${tools.huskyVersion}, lint-staged ${tools.lintStagedVersion}), then ${runs} interleaved rounds`);

  const files = {
    'package.json': `${JSON.stringify({ name: 'bench', private: true, 'lint-staged': { '*': 'true' } }, null, 2)}\n`,
    '.gitignore': 'node_modules\n.bench-hooks\n',
    'src/guarded.ts': 'export {};\n',
  };
  for (let i = 0; i < STAGED_FILES; i++) files[`src/app/file-${String(i).padStart(2, '0')}.ts`] = `export const v${i} = 0;\n`;
  const repo = makeRepo('hooks', { files, branch: `${AGENT}/bench` });
  const cwd = repo.dir;

  // husky as `npx husky init` leaves it, with lint-staged as the pre-commit line
  // (husky puts node_modules/.bin on PATH; `npx lint-staged` would cost more).
  symlinkSync(tools.modules, join(cwd, 'node_modules'), 'dir');
  run(NODE, [join(tools.husky, 'bin.js')], { cwd });
  writeFiles(cwd, { '.husky/pre-commit': 'lint-staged\n' });
  // Plain hook folders for the other variants, outside what git tracks.
  const hookPaths = {
    bare: hookFolder(cwd, 'none'),
    node: hookFolder(cwd, 'node', { 'pre-commit': `exec "${NODE}" -e 0` }),
    husky: join(cwd, '.husky/_'),
    agentsync: hookFolder(cwd, 'agentsync', { 'pre-commit': `exec "${NODE}" "${CLI}" hook pre-commit "$@"` }),
  };
  repo.git(['add', '-A']);
  repo.git(['-c', `core.hooksPath=${hookPaths.bare}`, 'commit', '-q', '-m', 'husky']);
  writeState(repo, othersClaims());

  const env = benchEnv({ AGENTSYNC_AGENT: AGENT });
  const cacheFile = join(cwd, '.git/agentsync/config-cache.json');
  let edit = 0;
  const stageChange = () => {
    edit++;
    const changed = {};
    for (let i = 0; i < STAGED_FILES; i++) changed[`src/app/file-${String(i).padStart(2, '0')}.ts`] = `export const v${i} = ${edit};\n`;
    writeFiles(cwd, changed);
    repo.git(['add', 'src/app']);
  };
  const commit = (hooks) => ['-c', `core.hooksPath=${hooks}`, 'commit', '-q', '-m', `edit ${edit}`];
  sanityChecks({ repo, env, hookPaths, stageChange, commit, cacheFile });

  // Before each sample (untimed): stage a fresh change, then name it in the message.
  const variant = (name, hooks, prepare = () => undefined) => {
    const v = { name, cmd: 'git', args: [], cwd, env };
    v.before = () => {
      prepare();
      stageChange();
      v.args = commit(hooks);
    };
    return v;
  };
  const variants = [
    variant('bare', hookPaths.bare),
    variant('node', hookPaths.node),
    variant('husky', hookPaths.husky),
    variant('agentsync', hookPaths.agentsync),
    variant('agentsync-cold', hookPaths.agentsync, () => rmSync(cacheFile, { force: true })),
  ];
  const stats = sampleInterleaved(variants, { runs });

  const bare = stats.get('bare').median;
  const added = (name) => stats.get(name).median - bare;
  const nodeAdds = added('node');
  const huskyAdds = added('husky');
  const warmAdds = added('agentsync');
  const coldAdds = added('agentsync-cold');
  const addedStats = (name) => addedOver(stats, name, bare);
  return {
    id: 'hooks',
    title: `pre-commit hooks: git commit of ${STAGED_FILES} staged files (200 live claims by others)`,
    variants: [
      ['(a) git commit, no hook', stats.get('bare')],
      ['(b) hook: node -e 0', stats.get('node')],
      [`(c) husky ${tools.huskyVersion} + lint-staged ${tools.lintStagedVersion}, no-op task`, stats.get('husky')],
      ['(d) agentsync hook pre-commit (warm)', stats.get('agentsync')],
      ['(e) agentsync hook pre-commit (cold: no config cache)', stats.get('agentsync-cold')],
      ['added over (a) by (b) node -e 0', addedStats('node')],
      ['added over (a) by (c) husky + lint-staged', addedStats('husky')],
      ['added over (a) by (d) agentsync, warm', addedStats('agentsync')],
      ['added over (a) by (e) agentsync, cold', addedStats('agentsync-cold')],
    ],
    goals: [
      { label: 'agentsync pre-commit adds (warm)', subjectMs: warmAdds, baseline: 'node -e 0 hook adds', baselineMs: nodeAdds, goal: `≤ 1.5× = ${(1.5 * nodeAdds).toFixed(0)} ms`, pass: warmAdds <= 1.5 * nodeAdds },
      { label: 'agentsync pre-commit adds (warm)', subjectMs: warmAdds, baseline: 'husky + lint-staged adds', baselineMs: huskyAdds, goal: `far less: ≤ 0.5× = ${(0.5 * huskyAdds).toFixed(0)} ms`, pass: warmAdds <= 0.5 * huskyAdds },
      { label: 'agentsync pre-commit adds (cold)', subjectMs: coldAdds, baseline: 'node -e 0 hook adds', baselineMs: nodeAdds, goal: '— (first commit after a config change)' },
      { label: 'agentsync pre-commit adds (cold)', subjectMs: coldAdds, baseline: 'agentsync adds (warm)', baselineMs: warmAdds, goal: '—' },
    ],
    notes: [
      `"added" rows are the variant's median minus the bare commit's median (${bare.toFixed(1)} ms)`,
      'every commit first stages a fresh change to the same 50 files (untimed), whatever the variant',
      '(b) and (d) are plain hook files (`exec node …`), as `core.hooksPath` would run them; through husky each would also pay husky\'s two `sh` starts',
      'husky\'s `.husky/pre-commit` runs `lint-staged` directly (husky 9 puts node_modules/.bin on PATH) with the config `{ "*": "true" }`; `npx lint-staged` would add npx\'s own start',
      '"far less" is read as at most half; cold = `.git/agentsync/config-cache.json` removed before each commit, so the config is validated with zod',
    ],
  };
}

/**
 * Each variant really runs what it claims to: git runs the hook file (GIT_TRACE),
 * lint-staged runs its task, AgentSync passes silently here and blocks a staged
 * path another agent holds.
 */
function sanityChecks({ repo, env, hookPaths, stageChange, commit, cacheFile }) {
  for (const name of ['node', 'husky', 'agentsync']) {
    stageChange();
    const { stdout, stderr } = runGitWithHook(commit(hookPaths[name]), `${hookPaths[name]}/pre-commit`, { cwd: repo.dir, env });
    // A passing AgentSync hook is silent: a warning would mean the fixture measures a different path.
    if (name === 'agentsync' && `${stdout}${stderr}`.trim()) throw new Error(`hooks: agentsync pre-commit was not silent\n${stdout}${stderr}`);
    if (name === 'husky' && !`${stdout}${stderr}`.includes('[COMPLETED] true')) throw new Error(`hooks: lint-staged did not run its task\n${stdout}${stderr}`);
  }
  if (!existsSync(cacheFile)) throw new Error(`hooks: agentsync wrote no config cache at ${cacheFile}`);
  // With the config cache warm, the hook must not load zod (the reason the cache exists).
  const { events } = tracedRun(NODE, ['-r', TRACE, CLI, 'hook', 'pre-commit'], { cwd: repo.dir, env, depth: 99 });
  const zod = events.find((event) => event.kind === 'require' && /^zod(\/|$)/.test(event.what));
  if (zod) throw new Error(`hooks: the warm pre-commit hook loaded ${zod.what}`);
  // AgentSync reads the 200 claims: a path another agent holds is blocked.
  writeFiles(repo.dir, { 'src/guarded.ts': 'export const touched = 1;\n' });
  repo.git(['add', 'src/guarded.ts']);
  run('git', commit(hookPaths.agentsync), { cwd: repo.dir, env, expect: [1] });
  repo.git(['reset', '-q', 'HEAD', 'src/guarded.ts']);
  repo.git(['checkout', '--', 'src/guarded.ts']);
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runHooksBench(flags));
}
