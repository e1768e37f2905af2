import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, makeTemp } from './fixture';
import { json, run, sleepUntil, stateWrites, storedState } from './e2e';

const agents = (n: number) => Array.from({ length: n }, (_, i) => `a${i + 1}`);

describe('racing claims', () => {
  it('20 processes in two worktrees racing for one path: exactly one wins', async () => {
    const repo = await makeRepo();
    const worktree = makeTemp('worktree');
    await repo.git(['worktree', 'add', '-q', '-b', 'other', worktree]);
    const cwds = agents(20).map((_, i) => (i % 2 === 0 ? repo.dir : worktree));

    const results = await Promise.all(agents(20).map((agent, i) => run(cwds[i], ['claim', 'src/app.ts', '--agent', agent])));

    const winners = results.flatMap((r, i) => (r.code === 0 ? [i] : []));
    expect(winners).toHaveLength(1);
    const winner = `a${winners[0] + 1}`;
    for (const [i, r] of results.entries()) {
      if (i === winners[0]) continue;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`src/app.ts is claimed by ${winner}`);
    }
    const otherTree = cwds[winners[0]] === repo.dir ? worktree : repo.dir;
    const checked = await run(otherTree, ['check', 'src/app.ts', '--agent', 'other']);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain(`claimed by ${winner}`);
    // Refusals write nothing: the audit trail holds the one winning claim.
    expect(await stateWrites(repo.dir)).toBe(1);
    expect(await repo.git(['log', '--format=%an %s', 'refs/agentsync/state'])).toBe(`${winner} claim: ${winner} claims src/app.ts (exclusive)\n`);
  });

  it('20 processes racing for 20 distinct paths all win, one commit each', async () => {
    const repo = await makeRepo();
    const results = await Promise.all(agents(20).map((agent) => run(repo.dir, ['claim', `src/${agent}.ts`, '--agent', agent])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const { claims } = json(await run(repo.dir, ['status', '--json']));
    expect(claims.map((c: { holder: string; glob: string }) => `${c.holder}:${c.glob}`).sort()).toEqual(
      agents(20).map((a) => `${a}:src/${a}.ts`).sort(),
    );
    const log = (await repo.git(['log', '--format=%s', 'refs/agentsync/state'])).trim().split('\n');
    expect(log.sort()).toEqual(agents(20).map((a) => `claim: ${a} claims src/${a}.ts (exclusive)`).sort());
  });
});

describe('leases', () => {
  it('an expired claim blocks nobody and is pruned on the next write, also from the tracker', async () => {
    const repo = await makeRepo();
    const [claimed] = json(await run(repo.dir, ['claim', 'lib/**', '--ttl', '2s', '--agent', 'alice', '--json'])).claims;
    const [refused, started] = await Promise.all([
      run(repo.dir, ['claim', 'lib/x.ts', '--agent', 'bob']),
      run(repo.dir, ['start', '--goal', 'docs', '--tier', '1', '--claim', 'docs', '--agent', 'bob']),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('claimed by alice');
    expect(started.code, started.stderr).toBe(0);
    const tracker = () => readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8');
    expect(tracker()).toContain('| alice | lib/\\*\\* |');

    await sleepUntil(claimed.expiresAt);
    const [checked, listed] = await Promise.all([
      run(repo.dir, ['check', 'lib/x.ts', '--agent', 'bob']),
      run(repo.dir, ['status', '--json']),
    ]);
    expect(checked.code).toBe(0);
    expect(json(listed).claims.map((c: { holder: string }) => c.holder)).toEqual(['bob']);
    // Reading prunes nothing: the expired claim is still stored until someone writes.
    expect((await storedState(repo.dir)).claims.map((c) => c.holder)).toEqual(['alice', 'bob']);

    expect((await run(repo.dir, ['end', '--summary', 'done', '--no-commit', '--agent', 'bob'])).code).toBe(0);
    expect(await storedState(repo.dir)).toMatchObject({ sessions: [], claims: [] });
    expect(tracker()).not.toContain('alice');
    expect((await run(repo.dir, ['claim', 'lib/x.ts', '--agent', 'bob'])).code).toBe(0);
  });

  it('claiming the same glob again renews its lease, keeping when it was first claimed', async () => {
    const repo = await makeRepo();
    const [first] = json(await run(repo.dir, ['claim', 'docs', '--ttl', '1h', '--agent', 'alice', '--json'])).claims;
    const [again] = json(await run(repo.dir, ['claim', './docs/', '--ttl', '2h', '--agent', 'alice', '--json'])).claims;
    expect(again.glob).toBe('docs');
    expect(again.createdAt).toBe(first.createdAt);
    expect(Date.parse(again.expiresAt)).toBeGreaterThan(Date.parse(first.expiresAt) + 3_000_000);
    expect((await storedState(repo.dir)).claims).toHaveLength(1);
  });

  it('note renews the leases of an agent with a session, and only then', async () => {
    const repo = await makeRepo({ config: { claims: { ttl: '1h' } } });
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--claim', 'src', '--agent', 'alice'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'docs', '--agent', 'bob'])).code).toBe(0);
    const before = await storedState(repo.dir);

    const notes = await Promise.all([run(repo.dir, ['note', 'half way', '--agent', 'alice']), run(repo.dir, ['note', 'looking', '--agent', 'bob'])]);
    for (const r of notes) expect(r.code, r.stderr).toBe(0);

    const after = await storedState(repo.dir);
    const expiry = (state: typeof before, holder: string) => Date.parse(state.claims.find((c) => c.holder === holder).expiresAt);
    expect(expiry(after, 'alice')).toBeGreaterThan(expiry(before, 'alice'));
    expect(Date.parse(after.sessions[0].expiresAt)).toBeGreaterThan(Date.parse(before.sessions[0].expiresAt));
    expect(expiry(after, 'bob')).toBe(expiry(before, 'bob'));
    expect(await stateWrites(repo.dir)).toBe(3);
  });

  it('refuses a bad --ttl with exit 2', async () => {
    const repo = await makeRepo();
    // A lease too long for any date says so, rather than "internal error: Invalid time value".
    for (const ttl of ['soon', '0s', '99999999999d', '99999999999999']) {
      const r = await run(repo.dir, ['claim', 'x', '--ttl', ttl, '--agent', 'alice']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`Invalid ttl "${ttl}"`);
    }
  });
});

describe('release', () => {
  it('releases one glob, all of them, or nothing', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['claim', 'a', 'b/**', 'c.ts', '--agent', 'alice'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'd', '--agent', 'bob'])).code).toBe(0);

    const one = await run(repo.dir, ['release', './b/**', '--agent', 'alice']);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe('alice released b/**\n');
    expect((await run(repo.dir, ['claim', 'b/x.ts', '--agent', 'bob'])).code).toBe(0);

    const writes = await stateWrites(repo.dir);
    const nothing = await run(repo.dir, ['release', 'b/**', 'd', '--agent', 'alice', '--json']);
    expect(json(nothing).released).toEqual([]);
    expect(await stateWrites(repo.dir)).toBe(writes);
    expect((await run(repo.dir, ['release', 'zzz', '--agent', 'alice'])).stderr).toContain('nothing released');

    const all = json(await run(repo.dir, ['release', '--all', '--agent', 'alice', '--json']));
    expect(all.released.map((c: { glob: string }) => c.glob).sort()).toEqual(['a', 'c.ts']);
    const { claims } = json(await run(repo.dir, ['status', '--json']));
    expect(claims.map((c: { holder: string; glob: string }) => `${c.holder}:${c.glob}`).sort()).toEqual(['bob:b/x.ts', 'bob:d']);
  });

  it('AgentTracker.md lists the claims status lists: rewritten on every claim and release', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['init'])).code).toBe(0);
    const tracker = () => readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8');
    expect((await run(repo.dir, ['claim', 'src/**', 'docs', '--agent', 'alice'])).code).toBe(0);
    expect(tracker()).toContain('| alice | src/\\*\\* | exclusive |');
    expect((await run(repo.dir, ['release', 'docs', '--agent', 'alice'])).code).toBe(0);
    expect(tracker()).not.toContain('| alice | docs |');
    expect((await run(repo.dir, ['release', '--all', '--agent', 'alice'])).code).toBe(0);
    expect(json(await run(repo.dir, ['status', '--json'])).claims).toEqual([]);
    expect(tracker()).not.toMatch(/\| alice \|/);
  });

  it('needs globs or --all', async () => {
    const repo = await makeRepo();
    const r = await run(repo.dir, ['release', '--agent', 'alice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs globs or --all');
  });
});

describe('shared and exclusive claims', () => {
  it('shared claims coexist; exclusive and shared refuse each other both ways', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['claim', 'package.json', '--shared', '--agent', 'alice'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'package.json', '--shared', '--agent', 'bob'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'src/**', '--agent', 'carol'])).code).toBe(0);

    const [exclusiveOverShared, sharedOverExclusive, checked] = await Promise.all([
      run(repo.dir, ['claim', 'package.json', '--agent', 'carol']),
      run(repo.dir, ['claim', 'src/index.ts', '--shared', '--agent', 'alice']),
      run(repo.dir, ['check', 'package.json', '--agent', 'carol']),
    ]);
    expect(exclusiveOverShared.code).toBe(1);
    expect(exclusiveOverShared.stderr).toContain('package.json is claimed by alice');
    expect(exclusiveOverShared.stderr).toContain('package.json is claimed by bob');
    expect(sharedOverExclusive.code).toBe(1);
    expect(sharedOverExclusive.stderr).toContain('src/index.ts is claimed by carol (src/**');
    // A shared claim warns off exclusive claims but blocks nobody's commits.
    expect(checked.code).toBe(0);
    expect((await storedState(repo.dir)).claims).toHaveLength(3);
  });
});

describe('conflicts', () => {
  it('refuses all or nothing, and --json reports holder, glob and expiry on stdout', async () => {
    const repo = await makeRepo();
    const [held] = json(await run(repo.dir, ['claim', 'b/**', '--agent', 'alice', '--json'])).claims;

    const refused = await run(repo.dir, ['claim', 'a.ts', 'b/c/d.ts', '--agent', 'bob', '--json']);
    const report = json(refused, 1);
    expect(report.ok).toBe(false);
    expect(report.error.exitCode).toBe(1);
    expect(report.error.conflicts).toEqual([
      { requested: 'b/c/d.ts', holder: 'alice', glob: 'b/**', expiresAt: held.expiresAt },
    ]);
    expect(refused.stderr).toContain('b/c/d.ts is claimed by alice');

    const { claims } = json(await run(repo.dir, ['status', '--json']));
    expect(claims.map((c: { holder: string }) => c.holder)).toEqual(['alice']);
  });

  it('a plain directory claim covers everything under it', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['claim', 'pkg', '--agent', 'alice'])).code).toBe(0);
    repo.write('pkg/sub/keep', '');
    const [deep, sibling, claimInside, fromSubdir] = await Promise.all([
      run(repo.dir, ['check', 'pkg/a/b/c.ts', '--agent', 'bob']),
      run(repo.dir, ['check', 'pkg2/a.ts', '--agent', 'bob']),
      run(repo.dir, ['claim', 'pkg/**/*.md', '--agent', 'bob']),
      run(join(repo.dir, 'pkg/sub'), ['check', 'x.ts', '--agent', 'bob']),
    ]);
    expect(deep.code).toBe(1);
    expect(sibling.code).toBe(0);
    expect(claimInside.code).toBe(1);
    // check takes paths relative to the current directory.
    expect(fromSubdir.code).toBe(1);
    expect(fromSubdir.stdout).toContain('pkg/sub/x.ts');
  });
});

describe('what a claim protects', () => {
  it('an unparsable glob is exit 2, a path not created yet can be claimed', async () => {
    const repo = await makeRepo();
    const bad = await run(repo.dir, ['claim', 'src/[', '--agent', 'alice']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Claim "src/[" is not a valid glob: Missing closing: "]"');
    expect((await storedState(repo.dir).catch(() => ({ claims: [] }))).claims).toEqual([]);
    expect((await run(repo.dir, ['claim', 'src/not-yet-written.ts', '--agent', 'alice'])).code).toBe(0);
    expect((await run(repo.dir, ['check', 'src/not-yet-written.ts', '--agent', 'bob'])).code).toBe(1);
  });

  it('check --staged with nothing staged is free (exit 0); check with nothing at all is exit 2', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['claim', '**', '--agent', 'alice'])).code).toBe(0);
    const staged = await run(repo.dir, ['check', '--staged', '--agent', 'bob', '--json']);
    expect(json(staged)).toMatchObject({ ok: true, checked: 0, blocked: [] });
    expect((await run(repo.dir, ['check', '--agent', 'bob'])).code).toBe(2);
  });

  it('from a subfolder, claim, check and release resolve paths the same way', async () => {
    const repo = await makeRepo();
    repo.write('pkg/sub/keep', '');
    const sub = join(repo.dir, 'pkg/sub');
    const claimed = json(await run(sub, ['claim', 'index.js', '../up.ts', '--agent', 'alice', '--json']));
    expect(claimed.claims.map((c: { glob: string }) => c.glob)).toEqual(['pkg/sub/index.js', 'pkg/up.ts']);
    expect((await run(sub, ['check', 'index.js', '--agent', 'bob'])).code).toBe(1);
    expect((await run(repo.dir, ['check', 'index.js', '--agent', 'bob'])).code).toBe(0);
    expect((await run(sub, ['claim', '../../../x', '--agent', 'alice'])).code).toBe(2);
    expect(json(await run(sub, ['release', 'index.js', '--agent', 'alice', '--json'])).released).toHaveLength(1);
  });
});

describe('odd file names', () => {
  const names = ['dir with space/a b.ts', `q'u"ote.ts`, 'new\nline.ts', '-x.ts', '..dots.ts', 'ünïcödé/日本.ts'];

  it('claims, checks and staged checks of names with spaces, quotes, newlines, a leading dash, non-ASCII', async () => {
    const repo = await makeRepo();
    for (const name of names) repo.write(name, 'x\n');
    const claimed = json(await run(repo.dir, ['claim', '--agent', 'alice', '--json', '--', ...names]));
    expect(claimed.claims.map((c: { glob: string }) => c.glob)).toEqual(names);

    const checks = await Promise.all(names.map((name) => run(repo.dir, ['check', '--agent', 'bob', '--json', '--', name])));
    for (const [i, r] of checks.entries()) {
      expect(json(r, 1).blocked).toEqual([expect.objectContaining({ path: names[i], claim: expect.objectContaining({ holder: 'alice', glob: names[i] }) })]);
    }
    await repo.git(['add', '-A']);
    const staged = json(await run(repo.dir, ['check', '--staged', '--agent', 'bob', '--json']), 1);
    expect(staged.blocked.map((b: { path: string }) => b.path).sort()).toEqual([...names].sort());
    expect((await run(repo.dir, ['check', '--staged', '--agent', 'alice'])).code).toBe(0);

    const released = json(await run(repo.dir, ['release', '--agent', 'alice', '--json', '--', ...names]));
    expect(released.released).toHaveLength(names.length);
  });

  it('check refuses paths that are not inside the repository', async () => {
    const repo = await makeRepo();
    const results = await Promise.all(['.', '..', '../x.ts', '/etc/passwd'].map((path) => run(repo.dir, ['check', '--', path])));
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`is not a path inside the repository ${repo.dir}`);
    }
  });

  it('a plain directory claim covers odd names inside it', async () => {
    const repo = await makeRepo();
    const inside = names.map((name) => `odd dir/${name}`);
    expect((await run(repo.dir, ['claim', 'odd dir', '--agent', 'alice'])).code).toBe(0);
    const result = json(await run(repo.dir, ['check', '--agent', 'bob', '--json', '--', ...inside]), 1);
    expect(result.blocked.map((b: { path: string }) => b.path)).toEqual(inside);
  });
});
