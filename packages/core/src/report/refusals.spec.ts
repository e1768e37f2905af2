/**
 * Refusals and waits as the report reads them from a made history whose
 * answers are known: store writes at set times (GIT_COMMITTER_DATE) and
 * refusals recorded as the commands record them, one of them repeated.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema';
import { tempGitRepo, TEST_GIT_ENV } from '../git/git.fixtures';
import type { Repo } from '../git/git';
import { recordRefusal } from '../store/audit';
import { skipRecord } from '../store/audit-records';
import { appendAudit, updateState } from '../store/store';
import { runReport } from './index';

const MIN = 60_000;
/** 2026-11-02 09:00 UTC: minute 0 of the made history, a day after the adoption commit. */
const T0 = Date.UTC(2026, 10, 2, 9);
const iso = (minute: number) => new Date(T0 + minute * MIN).toISOString();
const config = configSchema.parse({});
let repo: Repo;

beforeAll(async () => {
  const made = tempGitRepo('report-refusals');
  made.write('.agentsync.json', '{}\n');
  made.git('add', '-A');
  execFileSync('git', ['commit', '-q', '-m', 'Adopt AgentSync'], { cwd: made.dir, env: { ...TEST_GIT_ENV, GIT_AUTHOR_DATE: iso(-1440), GIT_COMMITTER_DATE: iso(-1440) } });
  repo = { root: made.dir, gitDir: `${made.dir}/.git`, commonDir: `${made.dir}/.git` };
  /** A store write by `actor` at `minute` (the state is not what is measured: only the message and time are). */
  const write = async (minute: number, actor: string, message: string) => {
    process.env.GIT_COMMITTER_DATE = process.env.GIT_AUTHOR_DATE = iso(minute);
    await updateState(repo, { actor }, (state) => ({ state: { ...state, claims: [...state.claims, { holder: actor, glob: `m${minute}`, mode: 'exclusive', createdAt: iso(minute), expiresAt: iso(minute + 600) }] }, result: undefined, message }));
    delete process.env.GIT_COMMITTER_DATE;
    delete process.env.GIT_AUTHOR_DATE;
  };
  const refused = (minute: number, kind: 'claim' | 'commit' | 'edit', agent: string, requested: string, holder: string, glob: string, expiresAt: number) =>
    recordRefusal(repo, config, { kind, agent, at: iso(minute), conflicts: [{ requested, holder, glob, expiresAt: iso(expiresAt) }] });

  await write(0, 'alice', 'claim: alice claims src/**, lib/** (exclusive)');
  // bob waits 20 minutes for src/a.ts, refused twice meanwhile (the repeat is not recorded), until alice releases it.
  await refused(10, 'claim', 'bob', 'src/a.ts', 'alice', 'src/**', 120);
  await refused(12, 'claim', 'bob', 'src/a.ts', 'alice', 'src/**', 120);
  await write(30, 'alice', 'release: alice releases src/**');
  await write(31, 'bob', 'claim: bob claims src/a.ts (exclusive)');
  // codex's edit is refused on bob's claim, which bob renews: still waiting when the records end.
  await refused(40, 'edit', 'codex-1a2b3c4d', 'src/a.ts', 'bob', 'src/a.ts', 151);
  await write(50, 'bob', 'renew: bob commits, its leases run 2h from now');
  // eve's commit is refused on lib/**; alice writes nothing more, so her lease ran out at minute 90: a wait of 30.
  await refused(60, 'commit', 'eve', 'lib/x.ts', 'alice', 'lib/**', 90);
  await appendAudit(repo, 'bob', skipRecord({ hook: 'pre-commit', actor: 'bob', reason: 'urgent', head: 'abc' }));
});

afterAll(() => {
  delete process.env.GIT_COMMITTER_DATE;
});

describe('refusals and waits in the report', () => {
  it('counts each recorded refusal by kind, and the waits they caused', async () => {
    const { coordination } = await runReport(repo, config, { now: new Date(T0 + 1440 * MIN) });
    expect(coordination.refusals).toEqual({ count: 3, claim: 1, commit: 1, edit: 1 });
    expect(coordination.waits).toEqual({ count: 2, open: 1, medianMinutes: 25, p95Minutes: 30 });
    // A refusal record is not a skip.
    expect(coordination.skips).toBe(1);
    const rows = Object.fromEntries(coordination.agents.map((a) => [a.agent, [a.refusals, a.refusedOthers, a.waits, a.waitMedianMinutes]]));
    expect(rows).toEqual({ alice: [0, 2, 0, null], bob: [1, 1, 1, 20], 'codex-1a2b3c4d': [1, 0, 0, null], eve: [1, 0, 1, 30] });
  });

  it('keeps to the window: a refusal and its wait count where the wait starts, its end may lie after', async () => {
    const { coordination } = await runReport(repo, config, { now: new Date(T0 + 1440 * MIN), since: T0 + 50 * MIN, until: T0 + 70 * MIN });
    expect(coordination.refusals).toEqual({ count: 1, claim: 0, commit: 1, edit: 0 });
    expect(coordination.waits).toEqual({ count: 1, open: 0, medianMinutes: 30, p95Minutes: 30 });
  });
});
