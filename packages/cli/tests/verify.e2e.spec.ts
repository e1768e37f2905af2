import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeRepo, makeTemp } from './fixture';

describe('agentsync verify --range', () => {
  it('catches a --no-verify commit to a path another agent claimed at the time, and passes a clean range', async () => {
    const repo = await makeRepo({ config: { gates: [{ paths: ['infra/**'], risk: 'low', requires: 'approval' }] } });
    const base = (await repo.git(['rev-parse', 'HEAD'])).trim();
    expect((await repo.run(['claim', 'src/api/**', '--agent', 'alice'])).code).toBe(0);
    // Claims are dated to the second: make the commits clearly later than the claim.
    const later = { GIT_COMMITTER_DATE: `${Math.floor(Date.now() / 1000) + 5} +0000` };

    repo.write('src/web/page.ts', 'ok\n');
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '--no-verify', '-m', 'web page\n\nAgent: bob'], later);
    const clean = await repo.run(['verify', '--range', `${base}..HEAD`]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toContain('1 commit(s)');

    repo.write('src/api/users.ts', 'sneaky\n');
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '--no-verify', '-m', 'sneak past the hook\n\nAgent: bob'], later);
    const caught = await repo.run(['verify', '--range', `${base}..HEAD`]);
    expect(caught.code).toBe(1);
    expect(caught.stdout).toMatch(/src\/api\/users\.ts is claimed by alice/);

    // Without the Agent: trailer a hook-skipping agent looks like a person: CI still fails it.
    repo.write('src/api/orders.ts', 'unattributed\n');
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '--no-verify', '-m', 'no trailer at all'], later);
    const unattributed = await repo.run(['verify', '--range', 'HEAD~1..HEAD']);
    expect(unattributed.code).toBe(1);
    expect(unattributed.stdout).toMatch(/src\/api\/orders\.ts is claimed by alice/);
    await repo.git(['reset', '-q', '--hard', 'HEAD~1']);

    const json = JSON.parse((await repo.run(['verify', '--range', `${base}..HEAD`, '--json'])).stdout);
    expect(json.ok).toBe(false);
    expect(json.commits).toHaveLength(2);
    expect(json.commits[1].findings[0]).toMatchObject({ level: 'block', rule: 'claims' });
  });

  it('judges a commit by the claims of its time and of the time it is verified: made before a claim, it passes once that is released', async () => {
    const repo = await makeRepo();
    // Store commits are dated to the second: date the history clearly before the claim.
    const ago = (seconds: number) => ({ GIT_COMMITTER_DATE: `${Math.floor(Date.now() / 1000) - seconds} +0000` });
    await repo.git(['commit', '-q', '--amend', '--no-edit'], ago(120));
    const base = (await repo.git(['rev-parse', 'HEAD'])).trim();
    repo.write('src/api/early.ts', 'early\n');
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '-m', 'before any claim\n\nAgent: bob'], ago(60));
    expect((await repo.run(['claim', 'src/api/**', '--agent', 'alice'])).code).toBe(0);
    // As pre-push would: landing on a path alice holds now is a conflict, however old the commit.
    const held = await repo.run(['verify', '--range', `${base}..HEAD`]);
    expect(held.code).toBe(1);
    expect(held.stdout).toMatch(/src\/api\/early\.ts is claimed by alice/);
    expect((await repo.run(['release', '--all', '--agent', 'alice'])).code).toBe(0);
    expect((await repo.run(['verify', '--range', `${base}..HEAD`])).code).toBe(0);
  });

  it('no committer date helps: 2099, 2001, or just before the claim, a --no-verify commit on a live claim fails', async () => {
    const repo = await makeRepo();
    const base = (await repo.git(['rev-parse', 'HEAD'])).trim();
    const parentTime = Number((await repo.git(['log', '-1', '--format=%ct'])).trim());
    expect((await repo.run(['claim', 'src/api/**', '--agent', 'alice'])).code).toBe(0);
    const attempts: Array<[string, string, RegExp | undefined]> = [
      ['2099-01-01T00:00:00Z', 'future', /committer date 2099-01-01 00:00 UTC is in the future/],
      ['2001-01-01T00:00:00Z', 'past', /committer date 2001-01-01 00:00 UTC is earlier than its parent's/],
      [`${parentTime} +0000`, 'before the claim', undefined],
    ];
    for (const [date, what, dateFinding] of attempts) {
      repo.write('src/api/users.ts', `${what}\n`);
      await repo.git(['add', '-A']);
      await repo.git(['commit', '-q', '--no-verify', '-m', `dated ${what}\n\nAgent: bob`], { GIT_COMMITTER_DATE: date });
      const result = await repo.run(['verify', '--range', `${base}..HEAD`]);
      expect(result.code, what).toBe(1);
      expect(result.stdout).toMatch(/src\/api\/users\.ts is claimed by alice/);
      if (dateFinding) expect(result.stdout).toMatch(dateFinding);
      await repo.git(['reset', '-q', '--hard', base]);
    }
  });

  it('requires Approved-by: for gated paths, writes GitHub annotations and a step summary', async () => {
    const repo = await makeRepo({ config: { gates: [{ paths: ['infra/**'], risk: 'low', requires: 'approval' }] } });
    const base = (await repo.git(['rev-parse', 'HEAD'])).trim();
    repo.write('infra/main.tf', 'x\n');
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '--no-verify', '-m', 'infra change']);
    const summary = join(makeTemp('summary'), 'summary.md');
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary };
    const unapproved = await repo.run(['verify', '--range', `${base}..HEAD`], { env });
    expect(unapproved.code).toBe(1);
    expect(unapproved.stdout).toMatch(/^::error file=infra\/main\.tf,title=AgentSync approval::/m);
    expect(readFileSync(summary, 'utf8')).toMatch(/\| [0-9a-f]{10} \| block \| approval \|/);

    await repo.git(['commit', '-q', '--amend', '--no-verify', '-m', 'infra change\n\nApproved-by: Dana <dana@example.com>']);
    expect((await repo.run(['verify', '--range', `${base}..HEAD`])).code).toBe(0);
  });

  it('lists audited AGENTSYNC_SKIP uses', async () => {
    const repo = await makeRepo();
    const base = (await repo.git(['rev-parse', 'HEAD'])).trim();
    repo.write('.githooks/pre-commit', `#!/bin/sh\nexec "${process.execPath}" "${CLI}" hook pre-commit\n`);
    chmodSync(join(repo.dir, '.githooks/pre-commit'), 0o755);
    await repo.git(['config', 'core.hooksPath', '.githooks']);
    repo.write('a.txt', 'a\n');
    await repo.git(['add', 'a.txt']);
    await repo.git(['commit', '-q', '-m', 'in a hurry'], { AGENTSYNC_SKIP: '1', AGENTSYNC_SKIP_REASON: 'release hotfix', AGENTSYNC_AGENT: 'bob' });
    const result = await repo.run(['verify', '--range', `${base}..HEAD`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/skipped hooks .* bob: skip pre-commit by bob: release hotfix/);
  });

  it('rejects a bad or missing range with exit 2', async () => {
    const repo = await makeRepo();
    expect((await repo.run(['verify', '--range', 'nope..HEAD'])).code).toBe(2);
    expect((await repo.run(['verify'])).code).toBe(2);
  });
});
