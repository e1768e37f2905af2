#!/usr/bin/env node
/**
 * `agentsync check` of 10,000 paths against 1,000 live claims, and one
 * `agentsync claim` against the same state, each beside `node -e 0` (one Node
 * start) and a bare `git update-ref` (one git call) sampled in the same run.
 *
 * Goal: check ≤ 1.5 × node -e 0 + 100 ms. The claim is held to the same budget.
 * And one claim with 10,000 claims held (issue "Coordination at scale"): ≤ 2 × node -e 0,
 * right after a fold (no delta) and with the delta half way to the next fold (78 entries,
 * the average a write finds); and, for what it costs, the write that folds.
 *
 *   node tools/bench/check.mjs [--quick] [--keep]
 */
import {
  CLI,
  NODE,
  STATE_REF,
  isMain,
  keepTempDirs,
  liveClaim,
  makeRepo,
  parseFlags,
  printResult,
  progress,
  run,
  sampleInterleaved,
  storedState,
  writeState,
} from './lib.mjs';

export const PACKAGES = 100;

/** 10,000 repo paths: packages/pNN/src/dMM/fK.{ts,json,md}, 100 per package. */
export function checkedPaths() {
  const paths = [];
  for (let p = 0; p < PACKAGES; p++) {
    for (let d = 0; d < 10; d++) {
      for (let f = 0; f < 10; f++) paths.push(`packages/p${p}/src/d${d}/f${f}.${f < 7 ? 'ts' : f < 9 ? 'json' : 'md'}`);
    }
  }
  return paths;
}

/**
 * `count` claims (1,000 by default) by 250 agents, a realistic mix: 60 % plain
 * files, 30 % `dir/**` folders, 10 % `*.ts` globs. Every tenth claim of each
 * kind lies in the checked paths' folders, so a few hundred of the 10,000
 * paths are blocked and the matcher is exercised on hits as well as misses.
 */
export function benchClaims(now = Date.now(), count = 1000) {
  const claims = [];
  for (let c = 0; c < count; c++) {
    const p = c % PACKAGES;
    const d = Math.floor(c / PACKAGES) % 10;
    const inChecked = Math.floor(c / 10) % 10 === 0;
    const kind = c % 10 < 6 ? 'file' : c % 10 < 9 ? 'dir' : 'glob';
    const glob = {
      file: inChecked ? `packages/p${p}/src/d${d}/f${c % 7}.ts` : `packages/p${p}/docs/note-${c}.md`,
      dir: inChecked ? `packages/p${p}/src/d${d}/**` : `packages/p${p}/lib/m${c}/**`,
      glob: inChecked ? `packages/p${p}/src/d${d}/*.ts` : `packages/p${p}/scripts/s${c}/*.ts`,
    }[kind];
    claims.push(liveClaim(`agent-${c % 250}`, glob, { now }));
  }
  return claims;
}

/** One claim of a new glob in `repo`, each run starting from the store commit `state`. */
const claimFrom = (name, repo, state) => ({
  name,
  cmd: NODE,
  args: [CLI, 'claim', 'packages/p0/new-area/**', '--agent', 'bench-claimer'],
  cwd: repo.dir,
  before: () => repo.git(['update-ref', STATE_REF, state]),
});

export async function runCheckBench({ quick = false } = {}) {
  const runs = quick ? 5 : 21;
  progress(`check: fixture (1,000 claims, 10,000 paths), then ${runs} interleaved rounds`);
  const repo = makeRepo('check');
  const claims = benchClaims();
  const base = writeState(repo, claims);
  const paths = checkedPaths();
  const cwd = repo.dir;
  const crowded = makeRepo('check-10k');
  const crowdedBase = writeState(crowded, benchClaims(Date.now(), 10_000));
  // Half of the 156 entries after which a delta on 10,000 folds: what a write finds on average;
  // and a delta of 156, to which the claim adds the one that folds it.
  const tenThousand = benchClaims(Date.now(), 10_156);
  const crowdedDelta = writeState(crowded, tenThousand.slice(0, 10_000), [], { deltaClaims: tenThousand.slice(10_000, 10_078) });
  const crowdedFold = writeState(crowded, tenThousand.slice(0, 10_000), [], { deltaClaims: tenThousand.slice(10_000) });

  const variants = [
    { name: 'node', cmd: NODE, args: ['-e', '0'], cwd },
    { name: 'update-ref', cmd: 'git', args: ['update-ref', 'refs/bench/probe', 'HEAD'], cwd },
    // Exit 1: some paths are blocked, as in a real repo with 1,000 claims.
    { name: 'check', cmd: NODE, args: [CLI, 'check', ...paths, '--agent', 'bench-checker'], cwd, expect: [1] },
    // Every claim run starts from the same state (untimed reset).
    claimFrom('claim', repo, base),
    claimFrom('claim-10k', crowded, crowdedBase),
    claimFrom('claim-10k-delta', crowded, crowdedDelta),
    claimFrom('claim-10k-fold', crowded, crowdedFold),
  ];

  // Sanity: the fixture blocks some of the paths, not all, and claims work.
  if (storedState(repo).claims.length !== 1000) throw new Error('the store does not hold 1,000 claims');

  const stats = sampleInterleaved(variants, { runs });
  const { stdout } = run(NODE, [CLI, 'check', ...paths, '--agent', 'bench-checker', '--json'], { cwd, expect: [1] });
  const blockedCount = new Set(JSON.parse(stdout).blocked.map((b) => b.path)).size;

  const node = stats.get('node').median;
  const budget = 1.5 * node + 100;
  const goal = `≤ 1.5× node + 100 = ${budget.toFixed(0)} ms`;
  return {
    id: 'check',
    title: 'agentsync check: 10,000 paths against 1,000 live claims (250 agents)',
    variants: [
      ['node -e 0', stats.get('node')],
      ['git update-ref (bare)', stats.get('update-ref')],
      [`agentsync check (10,000 paths, ${blockedCount} blocked)`, stats.get('check')],
      ['agentsync claim (1 glob, 1,000 claims held)', stats.get('claim')],
      ['agentsync claim (1 glob, 10,000 claims held, no delta)', stats.get('claim-10k')],
      ['agentsync claim (1 glob, 10,078 claims held, 78 in the delta)', stats.get('claim-10k-delta')],
      ['agentsync claim (1 glob, 10,156 claims held, the write that folds)', stats.get('claim-10k-fold')],
    ],
    goals: [
      { label: 'check 10k paths / 1k claims', subjectMs: stats.get('check').median, baseline: 'node -e 0', baselineMs: node, goal, pass: stats.get('check').median <= budget },
      { label: 'check 10k paths / 1k claims', subjectMs: stats.get('check').median, baseline: 'git update-ref', baselineMs: stats.get('update-ref').median, goal: '—' },
      { label: 'claim 1 glob / 1k claims', subjectMs: stats.get('claim').median, baseline: 'node -e 0', baselineMs: node, goal, pass: stats.get('claim').median <= budget },
      { label: 'claim 1 glob / 1k claims', subjectMs: stats.get('claim').median, baseline: 'git update-ref', baselineMs: stats.get('update-ref').median, goal: '—' },
      { label: 'claim 1 glob / 10k claims', subjectMs: stats.get('claim-10k').median, baseline: 'node -e 0', baselineMs: node, goal: `≤ 2× = ${(2 * node).toFixed(0)} ms`, pass: stats.get('claim-10k').median <= 2 * node },
      { label: 'claim 1 glob / 10k claims, delta half full', subjectMs: stats.get('claim-10k-delta').median, baseline: 'node -e 0', baselineMs: node, goal: `≤ 2× = ${(2 * node).toFixed(0)} ms`, pass: stats.get('claim-10k-delta').median <= 2 * node },
      { label: 'claim 1 glob / 10k claims, the fold (1 write in 156)', subjectMs: stats.get('claim-10k-fold').median, baseline: 'node -e 0', baselineMs: node, goal: '—' },
    ],
    notes: [
      `claims: 600 plain files, 300 \`dir/**\` folders, 100 \`*.ts\` globs, held by 250 agents; ${blockedCount} of the 10,000 paths are blocked (exit 1)`,
      'the 1k claim goal reuses the check budget (the brief sets none for it); each claim run starts from the same 1,000-claim state (10,000 for the 10k rows: the same mix, 40 claims per agent, as the store writes it: a base and, in the second row, a delta half way to its fold)',
    ],
  };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runCheckBench(flags));
}
