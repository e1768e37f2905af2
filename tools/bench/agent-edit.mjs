#!/usr/bin/env node
/**
 * The edit-time guard an agent tool runs before every file edit, with the
 * Claude Code payload on stdin, in a repository where 200 claims are held by
 * 40 other agents, beside `node -e 0` (one Node start) sampled in the same run:
 *   (a) an edit of a file the instance already holds (the common case: no write)
 *       through `.agentsync/agent-hook.sh`, the command Claude Code runs
 *   (b) the same, calling `agentsync hook agent-edit` directly
 *   (c) an edit refused: the file is another agent's
 *   (d) a first edit of a free file: the guard claims it (one store write)
 *
 * Goal: (a) and (b) at most 1.5 × node -e 0.
 *
 *   node tools/bench/agent-edit.mjs [--quick] [--keep]
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { othersClaims } from './hooks.mjs';
import { CLI, NODE, STATE_REF, isMain, keepTempDirs, liveClaim, makeRepo, parseFlags, printResult, progress, run, sampleInterleaved, writeState } from './lib.mjs';

const SESSION = '91b8b624-2f67-46ce-8c6a-4c6e5ddb9621';
const AGENT = 'claude-91b8b624';

/** A Claude Code PreToolUse payload for a Write of `file` (the shape of core's fixtures/claude/pre-tool-use.write.json). */
const writePayload = (dir, file) =>
  JSON.stringify({ session_id: SESSION, cwd: dir, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(dir, file), content: 'x\n' } });

export async function runAgentEditBench({ quick = false } = {}) {
  const runs = quick ? 5 : 21;
  progress(`agent-edit: fixture (200 claims by others, 1 by the instance), then ${runs} interleaved rounds`);
  const repo = makeRepo('agent-edit');
  run(NODE, [CLI, 'init', '--agents', 'claude'], { cwd: repo.dir });
  mkdirSync(join(repo.dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(CLI, join(repo.dir, 'node_modules/.bin/agentsync'));
  const claims = [...othersClaims(), liveClaim(AGENT, 'src/app/mine.ts')];
  const base = writeState(repo, claims);
  const cwd = repo.dir;
  const edit = (file) => ({ cwd, input: writePayload(cwd, file) });
  const variants = [
    { name: 'node', cmd: NODE, args: ['-e', '0'], cwd },
    { name: 'script', cmd: 'sh', args: ['.agentsync/agent-hook.sh', 'edit', 'claude'], ...edit('src/app/mine.ts') },
    { name: 'direct', cmd: NODE, args: [CLI, 'hook', 'agent-edit', '--tool', 'claude'], ...edit('src/app/mine.ts') },
    { name: 'refused', cmd: NODE, args: [CLI, 'hook', 'agent-edit', '--tool', 'claude'], ...edit('src/guarded.ts') },
    // Every first edit starts from the same state (untimed reset), so it claims each time.
    { name: 'first', cmd: NODE, args: [CLI, 'hook', 'agent-edit', '--tool', 'claude'], ...edit('src/app/new.ts'), before: () => repo.git(['update-ref', STATE_REF, base]) },
  ];

  // Sanity: the held edit passes silently, the refused one names its holder, the first edit claims.
  const check = (variant) => run(variant.cmd, variant.args, variant).stdout;
  if (check(variants[1]) !== '' || check(variants[2]) !== '') throw new Error('the guard did not let the instance edit its own file silently');
  if (!check(variants[3]).includes('is claimed by')) throw new Error('the guard did not refuse a file another agent holds');
  repo.git(['update-ref', STATE_REF, base]);

  const stats = sampleInterleaved(variants, { runs });
  const node = stats.get('node').median;
  const goal = `≤ 1.5× = ${(1.5 * node).toFixed(0)} ms`;
  const row = (label, name, pass = true) => ({ label, subjectMs: stats.get(name).median, baseline: 'node -e 0', baselineMs: node, goal: pass ? goal : '—', pass: pass ? stats.get(name).median <= 1.5 * node : undefined });
  return {
    id: 'agent-edit',
    title: 'agent-tool edit guard: a Claude Code Write, 200 live claims by others',
    variants: [
      ['node -e 0', stats.get('node')],
      ['(a) own file, through .agentsync/agent-hook.sh', stats.get('script')],
      ['(b) own file, agentsync hook agent-edit', stats.get('direct')],
      ['(c) refused: another agent holds it', stats.get('refused')],
      ['(d) first edit of a free file: claims it', stats.get('first')],
    ],
    goals: [row('edit guard, via the hook script', 'script'), row('edit guard, direct', 'direct'), row('edit guard, refusal', 'refused', false), row('edit guard, first edit (claims)', 'first', false)],
    notes: [
      'the payload is a Write of Claude Code 2.1.328; the instance is claude-91b8b624 from its session_id',
      '(d) writes the store once (a compare-and-swap commit), which later edits of the same file skip',
    ],
  };
}

if (isMain(import.meta.url)) {
  const flags = parseFlags();
  keepTempDirs(flags.keep);
  printResult(await runAgentEditBench(flags));
}
