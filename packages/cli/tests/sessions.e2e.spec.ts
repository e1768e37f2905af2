import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeBareRemote, makeRepo, makeTemp, repoAt } from './fixture';
import { json, run, stateWrites } from './e2e';

const trackerOf = (dir: string) => readFileSync(join(dir, 'AgentTracker.md'), 'utf8');

describe('start, note, end', () => {
  it('runs a session from assessment to handoff, and the next agent sees the next work', async () => {
    const repo = await makeRepo();
    const start = await run(repo.dir, ['start', '--goal', 'add rate limits', '--tier', '2', '--claim', 'src/**', '--agent', 'alice']);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('for alice: add rate limits');
    expect(start.stdout).toContain('tier 2 Medium: budget 2000–8000 tokens, recommended model claude-sonnet');
    expect(start.stdout).toContain('claims src/**');

    const { sessions, claims } = json(await run(repo.dir, ['status', '--json']));
    expect(sessions).toEqual([expect.objectContaining({ agent: 'alice', goal: 'add rate limits', tier: 2, branch: 'main' })]);
    expect(claims).toEqual([expect.objectContaining({ holder: 'alice', glob: 'src/**', mode: 'exclusive', session: sessions[0].id })]);
    expect(trackerOf(repo.dir)).toContain(`| ${sessions[0].id} | alice | add rate limits | 2 | main |`);
    expect(trackerOf(repo.dir)).toContain(`| alice | src/\\*\\* | exclusive |`);

    const writes = await stateWrites(repo.dir);
    const [again, overlapping] = await Promise.all([
      run(repo.dir, ['start', '--goal', 'other', '--tier', '1', '--agent', 'alice']),
      run(repo.dir, ['start', '--goal', 'api', '--tier', '1', '--claim', 'docs', '--claim', 'src/api/users.ts', '--agent', 'bob']),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`alice already has an active session ${sessions[0].id}`);
    expect(overlapping.code).toBe(1);
    expect(overlapping.stderr).toContain('src/api/users.ts is claimed by alice (src/**');
    expect(overlapping.stderr).toContain('goal: add rate limits');
    expect(await stateWrites(repo.dir)).toBe(writes);
    expect(trackerOf(repo.dir)).not.toContain('bob');

    const [noted, unattached] = await Promise.all([
      run(repo.dir, ['note', 'limiter done, headers left', '--agent', 'alice', '--json']),
      run(repo.dir, ['note', 'looked at the docs,', 'no session', '--agent', 'carol', '--json']),
    ]);
    expect(json(noted)).toMatchObject({ ok: true, agent: 'alice', session: sessions[0].id });
    expect(json(unattached).session).toBeUndefined();
    expect(trackerOf(repo.dir)).toContain('limiter done, headers left');
    expect(trackerOf(repo.dir)).toContain('looked at the docs, no session');

    const end = await run(repo.dir, [
      'end', '--summary', 'rate limits in', '--next', 'document the limits', '--next', 'tune the window',
      '--blocker', 'no staging env', '--failed', 'token bucket in redis', '--tokens', '1234', '--agent', 'alice',
    ]);
    expect(end.code, end.stderr).toBe(0);
    expect(end.stdout).toContain('released 1 claim(s)');
    const after = json(await run(repo.dir, ['status', '--json']));
    expect(after.sessions).toEqual([]);
    expect(after.claims).toEqual([]);
    expect(after.nextWork.map((n: { text: string }) => n.text)).toEqual(['document the limits', 'tune the window']);
    const tracker = trackerOf(repo.dir);
    for (const text of ['rate limits in', 'no staging env', 'token bucket in redis', '1234', '2000–8000']) expect(tracker).toContain(text);
    expect(await repo.git(['log', '-1', '--format=%B'])).toContain(`Agent: alice\nAgent-Session: ${sessions[0].id}\nAgent-Tier: 2`);
    expect(await repo.git(['status', '--porcelain'])).toBe('');

    const next = await run(repo.dir, ['start', '--goal', 'docs', '--tier', '1', '--agent', 'bob']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/Suggested next work \(2\)\n {2}- document the limits \(from alice\)\n {2}- tune the window/);
  });

  it('agents starting at once: one wins a contested path, and the tracker ends up with every session', async () => {
    const repo = await makeRepo();
    const agents = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
    const results = await Promise.all(
      agents.map((agent) => run(repo.dir, ['start', '--goal', `goal of ${agent}`, '--tier', '1', '--claim', `own/${agent}`, '--claim', 'shared.ts', '--agent', agent])),
    );
    expect(results.filter((r) => r.code === 0)).toHaveLength(1);
    expect(results.filter((r) => r.code === 1)).toHaveLength(5);
    const winner = agents[results.findIndex((r) => r.code === 0)];
    expect(json(await run(repo.dir, ['status', '--json'])).sessions.map((s: { agent: string }) => s.agent)).toEqual([winner]);

    const rest = agents.filter((a) => a !== winner);
    const started = await Promise.all(rest.map((agent) => run(repo.dir, ['start', '--goal', `goal of ${agent}`, '--tier', '1', '--claim', `own/${agent}`, '--agent', agent])));
    for (const r of started) expect(r.code, r.stderr).toBe(0);
    const tracker = trackerOf(repo.dir);
    for (const agent of agents) expect(tracker).toContain(`| ${agent} | goal of ${agent} |`);
  });

  it('a red baseline refuses start unless it is the session\'s job; status shows baselines and claim goals', async () => {
    // Red once BROKEN is committed: health results are cached per tree, so the tree must change.
    const check = { name: 'unit', run: `node -e "process.exit(require('fs').existsSync('BROKEN') ? 1 : 0)"` };
    const repo = await makeRepo({ config: { health: { commands: [check] } } });
    const start = (agent: string, ...extra: string[]) =>
      run(repo.dir, ['start', '--goal', `${agent}'s goal`, '--tier', '1', '--claim', agent, '--agent', agent, ...extra]);
    const green = await start('alice');
    expect(green.code, green.stderr).toBe(0);
    expect(green.stdout).toContain('baseline: green');
    repo.write('BROKEN', '');
    await repo.git(['add', 'BROKEN']);
    await repo.git(['commit', '-q', '-m', 'break it']);
    const red = await start('bob');
    expect(red.code).toBe(1);
    expect(red.stderr).toContain('The baseline is red: unit failing before any change.');
    const fixing = await start('bob', '--fixing-baseline');
    expect(fixing.code, fixing.stderr).toBe(0);
    expect(fixing.stdout).toContain('baseline: red (unit) — this session fixes it');

    const { stdout } = await run(repo.dir, ['status']);
    expect(stdout).toMatch(/ {2}alice {2}s-\w+ {2}tier 1 {2}main {2}alice's goal {2}baseline green\n/);
    expect(stdout).toMatch(/ {2}bob {2}s-\w+ {2}tier 1 {2}main {2}bob's goal {2}baseline red \(unit\) {2}\[fixing baseline\]\n/);
    expect(stdout).toMatch(/ {2}alice {2}alice {2}exclusive {2}expires in 2h 0m {2}goal: alice's goal\n/);
  });

  it('a claim conflict refuses start before the health checks run', async () => {
    const repo = await makeRepo({ config: { health: { commands: [{ name: 'marker', run: 'node -e "require(\'fs\').writeFileSync(\'ran\', \'\')"' }] } } });
    expect((await run(repo.dir, ['claim', 'src/**', '--agent', 'alice'])).code).toBe(0);
    const refused = await run(repo.dir, ['start', '--goal', 'x', '--tier', '1', '--claim', 'src/a.ts', '--agent', 'bob']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('src/a.ts is claimed by alice');
    expect(existsSync(join(repo.dir, 'ran'))).toBe(false);
    expect((await run(repo.dir, ['start', '--goal', 'x', '--tier', '1', '--claim', 'lib/**', '--agent', 'bob'])).code).toBe(0);
    expect(existsSync(join(repo.dir, 'ran'))).toBe(true);
  });

  it('end after a failed handoff commit can run again, replacing its handoff instead of adding a second', async () => {
    const repo = await makeRepo();
    const hooks = makeTemp('failing-hooks');
    writeFileSync(join(hooks, 'pre-commit'), '#!/bin/sh\necho "lint failed" >&2\nexit 1\n', { mode: 0o755 });
    await repo.git(['config', 'core.hooksPath', hooks]);
    const env = { AGENTSYNC_AGENT: 'claude' };
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '1'], { env })).code).toBe(0);
    const failed = await run(repo.dir, ['end', '--summary', 'first try', '--next', 'docs'], { env });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('The handoff commit failed');
    expect(json(await run(repo.dir, ['status', '--json'])).sessions).toHaveLength(1);

    await repo.git(['config', '--unset', 'core.hooksPath']);
    expect((await run(repo.dir, ['end', '--summary', 'second try', '--next', 'docs'], { env })).code).toBe(0);
    const tracker = readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8');
    expect(tracker.match(/### Handoff/g)).toHaveLength(1);
    expect(tracker).toContain('second try');
    expect(tracker).not.toContain('first try');
    expect(tracker.match(/^- docs/gm)).toHaveLength(1);
    expect(json(await run(repo.dir, ['status', '--json'])).sessions).toEqual([]);
  });

  it('end --done closes the suggested next work it names', async () => {
    const repo = await makeRepo();
    const as = (agent: string) => ({ env: { AGENTSYNC_AGENT: agent } });
    expect((await run(repo.dir, ['start', '--goal', 'a', '--tier', '1'], as('alice'))).code).toBe(0);
    expect((await run(repo.dir, ['end', '--summary', 'a', '--next', 'write the docs', '--next', 'add tests', '--no-commit'], as('alice'))).code).toBe(0);
    expect((await run(repo.dir, ['start', '--goal', 'docs', '--tier', '1'], as('bob'))).code).toBe(0);
    expect((await run(repo.dir, ['end', '--summary', 'docs', '--done', 'write the docs', '--no-commit'], as('bob'))).code).toBe(0);
    const next = json(await run(repo.dir, ['status', '--json'])).nextWork.map((e: { text: string }) => e.text);
    expect(next).toEqual(['add tests']);
  });

  it('end without a session exits 2 and changes nothing', async () => {
    const repo = await makeRepo();
    const r = await run(repo.dir, ['end', '--summary', 'x', '--agent', 'alice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('alice has no active session to end');
    expect(await repo.git(['status', '--porcelain'])).toBe('');
  });

  it('start reports how far behind its upstream the branch is, and --pull fast-forwards', async () => {
    const remote = await makeBareRemote();
    const repo = await makeRepo();
    await repo.git(['remote', 'add', 'origin', remote]);
    await repo.git(['push', '-q', '-u', 'origin', 'main']);
    const other = repoAt(makeTemp('clone'));
    await other.git(['clone', '-q', remote, '.']);
    for (const n of [1, 2]) {
      other.write(`f${n}.txt`, `${n}\n`);
      await other.git(['add', '-A']);
      await other.git(['commit', '-q', '-m', `change ${n}`]);
    }
    await other.git(['push', '-q', 'origin', 'main']);

    const behind = await run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--agent', 'alice']);
    expect(behind.code, behind.stderr).toBe(0);
    expect(behind.stdout).toContain('branch main: 2 behind origin/main');
    expect(json(await run(repo.dir, ['end', '--summary', 'nothing', '--no-commit', '--agent', 'alice', '--json'])).ok).toBe(true);

    const pulled = json(await run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--pull', '--agent', 'bob', '--json']));
    expect(pulled.upstream).toMatchObject({ upstream: 'origin/main', behind: 0, ahead: 0, pulled: true });
    expect(await repo.git(['rev-parse', 'HEAD'])).toBe(await other.git(['rev-parse', 'HEAD']));

    await repo.git(['remote', 'set-url', 'origin', join(remote, 'gone')]);
    const offline = await run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--agent', 'carol']);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stderr).toContain('Could not fetch origin/main');
    expect(offline.stdout).toContain('branch main: up to date origin/main');
  });
});
