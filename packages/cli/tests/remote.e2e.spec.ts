import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { storedState } from './e2e';
import { CLI, cleanEnv, git, makeBareRemote, makeTemp, repoAt, runProgram, type TestRepo } from './fixture';

const CONFIG = { coordination: { remote: 'origin', freshness: '30s' } };

/** A bare remote holding one commit with the config, and `count` clones of it. */
async function clones(count: number): Promise<{ remote: string; clones: TestRepo[] }> {
  const remote = await makeBareRemote();
  const seed = repoAt(makeTemp('seed'));
  await seed.git(['init', '-q', '-b', 'main']);
  seed.write('.agentsync.json', `${JSON.stringify(CONFIG)}\n`);
  await seed.git(['add', '-A']);
  await seed.git(['commit', '-q', '-m', 'config']);
  await seed.git(['push', '-q', remote, 'main']);
  const made: TestRepo[] = [];
  for (let i = 0; i < count; i++) {
    const dir = makeTemp('clone');
    await git(dir, ['clone', '-q', remote, '.']);
    made.push(repoAt(dir));
  }
  return { remote, clones: made };
}

describe('claims through a coordination remote', () => {
  it('a claim made in one clone blocks another agent in another clone, and its release frees it at once', async () => {
    const { clones: [one, two] } = await clones(2);
    expect((await one.run(['claim', 'src/api/**', '--agent', 'alice'])).code).toBe(0);
    const blocked = await two.run(['check', 'src/api/users.ts', '--agent', 'bob']);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('claimed by alice');
    const refused = await two.run(['claim', 'src/api/users.ts', '--agent', 'bob']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('alice');

    expect((await one.run(['release', '--all', '--agent', 'alice'])).code).toBe(0);
    // Within the freshness window, but a block is always confirmed against a fresh fetch.
    expect((await two.run(['check', 'src/api/users.ts', '--agent', 'bob'])).code).toBe(0);
    expect((await two.run(['claim', 'src/api/users.ts', '--agent', 'bob'])).code).toBe(0);
  });

  it("a claim in clone 1 blocks agent B's real commit in clone 2, naming A; after A releases, B's commit passes at once", async () => {
    const { clones: [one, two] } = await clones(2);
    const hooks = makeTemp('hooks');
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" hook pre-commit\n`, { mode: 0o755 });
    await two.git(['config', 'core.hooksPath', hooks]);
    expect((await one.run(['claim', 'src/api/**', '--agent', 'alice'])).code).toBe(0);
    two.write('src/api/users.ts', 'bob\n');
    await two.git(['add', '-A']);
    const env = { AGENTSYNC_AGENT: 'bob' };
    const blocked = await runProgram('git', ['commit', '-q', '-m', 'bob'], { cwd: two.dir, env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/src\/api\/users\.ts is claimed by alice/);
    // Clone 2 fetched a moment ago, inside the freshness window, yet the release counts at once:
    // a block is always confirmed against a fresh fetch.
    expect((await one.run(['release', '--all', '--agent', 'alice'])).code).toBe(0);
    const passed = await runProgram('git', ['commit', '-q', '-m', 'bob'], { cwd: two.dir, env });
    expect(passed.code, passed.stderr).toBe(0);
  });

  it('30 agents in 3 clones racing for one path: exactly one wins; 60 racing for distinct paths: all win, none lost', async () => {
    const { remote, clones: repos } = await clones(3);
    const one = await Promise.all(
      Array.from({ length: 30 }, (_, i) => repos[i % 3].run(['claim', 'src/hot.ts', '--agent', `agent${i}`])),
    );
    expect(one.filter((r) => r.code === 0)).toHaveLength(1);
    expect(one.filter((r) => r.code === 1)).toHaveLength(29);
    const state = await storedState(remote);
    expect(state.claims).toHaveLength(1);

    const many = await Promise.all(
      Array.from({ length: 60 }, (_, i) => repos[i % 3].run(['claim', `src/mod${i}/**`, '--agent', `racer${i}`])),
    );
    expect(many.map((r) => r.code)).toEqual(Array(60).fill(0));
    expect((await storedState(remote)).claims).toHaveLength(61);
  }, 180_000);

  it('40 agents of one clone claiming at once all win, their writes batched into far fewer pushes; with the host gone all fail with exit 2', async () => {
    const { remote, clones: [one] } = await clones(1);
    // Counts the pushes: git runs this instead of git-receive-pack for the local remote.
    const log = join(makeTemp('pushes'), 'log');
    const receivePack = join(makeTemp('receive-pack'), 'receive-pack');
    writeFileSync(receivePack, `#!/bin/sh\necho push >> '${log}'\nexec git receive-pack "$@"\n`, { mode: 0o755 });
    await one.git(['config', 'remote.origin.receivepack', receivePack]);
    const crowd = await Promise.all(Array.from({ length: 40 }, (_, i) => one.run(['claim', `pkg${i}/**`, '--agent', `c${i}`])));
    expect(crowd.map((r) => r.code)).toEqual(Array(40).fill(0));
    expect((await storedState(remote)).claims).toHaveLength(40);
    // One commit per claim, authored by its agent, whatever batch carried it.
    expect((await git(remote, ['log', '--format=%an', 'refs/agentsync/state'])).split('\n').filter((name) => /^c\d+$/.test(name))).toHaveLength(40);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).length).toBeLessThan(20);

    await one.git(['remote', 'set-url', 'origin', '/nonexistent/agentsync-remote.git']);
    const offline = await Promise.all(Array.from({ length: 6 }, (_, i) => one.run(['release', `pkg${i}/**`, '--agent', `c${i}`])));
    for (const result of offline) {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/coordination remote "origin" is unreachable/);
    }
    expect((await storedState(remote)).claims).toHaveLength(40);
  }, 120_000);

  it('an unreachable remote fails claim and release with exit 2 and the reason, leaving state intact', async () => {
    const { remote, clones: [one] } = await clones(1);
    expect((await one.run(['claim', 'docs/**', '--agent', 'alice'])).code).toBe(0);
    const before = await storedState(remote);
    await one.git(['remote', 'set-url', 'origin', '/nonexistent/agentsync-remote.git']);
    for (const args of [['claim', 'src/**'], ['release', '--all']]) {
      const result = await one.run([...args, '--agent', 'alice']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/coordination remote "origin" is unreachable/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
    expect(await storedState(remote)).toEqual(before);
    // Reads fall back to the last fetched view, with a warning (coordination.offline defaults to "fallback").
    const check = await one.run(['check', 'docs/a.md', '--agent', 'bob']);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/unreachable/);
  });

  it('the pre-commit hook with the remote unreachable: "fallback" checks the last fetched claims and warns, "block" blocks', async () => {
    const { clones: [one, two] } = await clones(2);
    expect((await one.run(['claim', 'src/**', '--agent', 'alice'])).code).toBe(0);
    // two's last fetch: it sees alice's claim, then loses the host.
    expect((await two.run(['status'])).code).toBe(0);
    const hooks = makeTemp('hooks');
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" hook pre-commit\n`, { mode: 0o755 });
    await two.git(['config', 'core.hooksPath', hooks]);
    await two.git(['remote', 'set-url', 'origin', '/nonexistent/agentsync-remote.git']);
    // The last fetch is older than the freshness window, so the hook fetches, and fails to.
    two.write('.agentsync.json', `${JSON.stringify({ coordination: { remote: 'origin', freshness: '1s' } })}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const commit = async (path: string) => {
      two.write(path, 'x\n');
      await two.git(['add', path]);
      return runProgram('git', ['commit', '-q', '-m', path], { cwd: two.dir, env: { AGENTSYNC_AGENT: 'bob' } });
    };

    const claimed = await commit('src/a.ts');
    expect(claimed.code).toBe(1);
    expect(claimed.stderr).toContain('src/a.ts is claimed by alice');
    expect(claimed.stderr).toMatch(/warning \(coordination\) .*unreachable.* Checked against the last fetched claims/);
    await two.git(['rm', '-q', '--cached', 'src/a.ts']);
    const free = await commit('docs.md');
    expect(free.code, free.stderr).toBe(0);
    expect(free.stderr).toContain('Checked against the last fetched claims');

    two.write('.agentsync.json', `${JSON.stringify({ coordination: { remote: 'origin', freshness: '1s', offline: 'block' } })}\n`);
    const blocked = await commit('notes.md');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/blocked \(coordination\) .*unreachable.* Claims cannot be confirmed/);
  });

  it('end with the remote unreachable changes nothing: no handoff commit, the session still open', async () => {
    const { clones: [one] } = await clones(1);
    const env = { AGENTSYNC_AGENT: 'alice' };
    expect((await one.run(['start', '--goal', 'g', '--tier', '1'], { env })).code).toBe(0);
    const head = await one.git(['rev-parse', 'HEAD']);
    await one.git(['remote', 'set-url', 'origin', '/nonexistent/agentsync-remote.git']);
    const ended = await one.run(['end', '--summary', 'done'], { env });
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(/unreachable \(.*does not appear to be a git repository/);
    expect(await one.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(readFileSync(join(one.dir, 'AgentTracker.md'), 'utf8')).not.toContain('### Handoff');
  });

  it('publishes AGENTSYNC_SKIP audit records to the remote, so CI sees them', async () => {
    const { remote, clones: [one] } = await clones(1);
    const hooks = makeTemp('hooks');
    writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" hook pre-commit\n`, { mode: 0o755 });
    await one.git(['config', 'core.hooksPath', hooks]);
    one.write('a.txt', 'a\n');
    await one.git(['add', 'a.txt']);
    await one.git(['commit', '-q', '-m', 'hurry'], { AGENTSYNC_SKIP: '1', AGENTSYNC_SKIP_REASON: 'outage', AGENTSYNC_AGENT: 'bob' });
    expect(await git(remote, ['log', '-1', '--format=%an: %s', 'refs/agentsync/audit'])).toBe('bob: skip pre-commit by bob: outage\n');

    // With the host down the skip still works, recorded in this clone apart from the fetched audit ref.
    await one.git(['remote', 'set-url', 'origin', '/nonexistent/agentsync-remote.git']);
    one.write('b.txt', 'b\n');
    await one.git(['add', 'b.txt']);
    await one.git(['commit', '-q', '-m', 'hurry again'], { AGENTSYNC_SKIP: '1', AGENTSYNC_SKIP_REASON: 'host down', AGENTSYNC_AGENT: 'bob' });
    expect(await one.git(['log', '-1', '--format=%s', 'refs/agentsync/audit-offline'])).toBe('skip pre-commit by bob: host down\n');

    // A host that answers but refuses the push (a server-side hook, a protected ref): kept here too.
    await one.git(['remote', 'set-url', 'origin', remote]);
    writeFileSync(join(remote, 'hooks', 'pre-receive'), '#!/bin/sh\necho "audit refs are read-only here" >&2\nexit 1\n', { mode: 0o755 });
    one.write('c.txt', 'c\n');
    await one.git(['add', 'c.txt']);
    await one.git(['commit', '-q', '-m', 'hurry once more'], { AGENTSYNC_SKIP: '1', AGENTSYNC_SKIP_REASON: 'declined', AGENTSYNC_AGENT: 'bob' });
    expect(await one.git(['log', '-1', '--format=%s', 'refs/agentsync/audit-offline'])).toBe('skip pre-commit by bob: declined\n');
    expect(await git(remote, ['log', '-1', '--format=%s', 'refs/agentsync/audit'])).toBe('skip pre-commit by bob: outage\n');
    const verified = await one.run(['verify', '--range', 'HEAD~3..HEAD']);
    expect(verified.stdout).toContain('bob: skip pre-commit by bob: outage');
    expect(verified.stdout).toContain('bob: skip pre-commit by bob: host down');
    expect(verified.stdout).toContain('bob: skip pre-commit by bob: declined');
  });

  it('a claimer killed with SIGKILL mid-race leaves the remote valid', async () => {
    const { remote, clones: [one, two] } = await clones(2);
    const racers = Array.from({ length: 12 }, (_, i) =>
      spawn(process.execPath, [CLI, 'claim', `pkg${i}/**`, '--agent', `k${i}`], { cwd: (i % 2 ? one : two).dir, env: cleanEnv() }),
    );
    const exits = racers.map((child) => new Promise<number | null>((resolve) => child.on('close', resolve)));
    setTimeout(() => racers[5].kill('SIGKILL'), 150);
    setTimeout(() => racers[8].kill('SIGKILL'), 300);
    await Promise.all(exits);
    await git(remote, ['fsck', '--no-dangling']);
    const state = await storedState(remote);
    expect(state.version).toBe(1);
    expect(state.claims.length).toBeGreaterThanOrEqual(10);
    // The store still works for everyone.
    expect((await one.run(['claim', 'after/**', '--agent', 'late'])).code).toBe(0);
  }, 120_000);
});
