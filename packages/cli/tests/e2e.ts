/**
 * Shared helpers of the end-to-end specs: every run is checked for stack
 * traces (none may reach a user unless AGENTSYNC_DEBUG=1), plus readers of the
 * coordination state as git stores it.
 */
import { readStatesAt, STATE_REF } from '@agentsync/core/store';
import { expect } from 'vitest';
import { agentsync, git, type RunOptions, type RunResult } from './fixture';

/** A line of a V8 stack trace. */
export const STACK_LINE = /^ {4}at /m;

/** Runs the CLI in `cwd` and asserts that nothing it printed is a stack trace. */
export async function run(cwd: string, args: string[], options: Omit<RunOptions, 'cwd'> = {}): Promise<RunResult> {
  const result = await agentsync(args, { cwd, ...options });
  expect(result.stdout + result.stderr, `agentsync ${args.join(' ')}`).not.toMatch(STACK_LINE);
  return result;
}

/** `--json` output of a run, which must have succeeded with `code`. */
export function json<T = any>(result: RunResult, code = 0): T {
  expect(result.code, result.stderr).toBe(code);
  return JSON.parse(result.stdout) as T;
}

/** The state stored at refs/agentsync/state of the repository (or bare remote) at `cwd`, unpruned: what the last write left. */
export async function storedState(cwd: string): Promise<{ version: number; sessions: any[]; claims: any[] }> {
  const tip = (await git(cwd, ['rev-parse', '--verify', STATE_REF])).trim();
  const states = await readStatesAt({ root: cwd, gitDir: cwd, commonDir: cwd }, STATE_REF, [tip]);
  return states.get(tip) as { version: number; sessions: any[]; claims: any[] };
}

/** How many commits the state ref has: one per write. */
export async function stateWrites(cwd: string): Promise<number> {
  const out = await git(cwd, ['rev-list', '--count', 'refs/agentsync/state']).catch(() => '0');
  return Number(out.trim());
}

export const sleepUntil = (iso: string, slackMs = 50) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(iso) - Date.now() + slackMs)));
