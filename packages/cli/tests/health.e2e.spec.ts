/**
 * Health as users meet it: real shell checks in real repositories with a bare
 * remote, the pre-push hook as git runs it, and each check's runs counted in a
 * file outside the repository, so "runs nothing" is measured, not assumed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cleanEnv, makeBareRemote, makeRepo, makeTemp, repoAt, runProgram, type TestRepo } from './fixture';
import { json, run, STACK_LINE, storedState } from './e2e';

const PRE_PUSH = makeTemp('githooks');
writeFileSync(join(PRE_PUSH, 'pre-push'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" hook pre-push "$@"\n`, { mode: 0o755 });

const claude = { AGENTSYNC_AGENT: 'claude' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A file outside every repository that a check appends a line to each time it really runs. */
function counter() {
  const file = join(makeTemp('count'), 'runs');
  return { file, runs: () => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0) };
}

/** A check that counts its runs and fails, with a telling last line, where the checked tree has BROKEN. */
const unitCheck = (count: string) => ({
  name: 'unit',
  run: `echo run >> '${count}'; echo 'running 12 tests'; if [ -e BROKEN ]; then echo 'expected 429, got 200'; exit 1; fi`,
});

/** A repo on claude/work with `health` configured, the pre-push hook, and a bare origin that has main. */
async function pushable(health: object): Promise<TestRepo> {
  const repo = await makeRepo({ config: { health } });
  await repo.git(['remote', 'add', 'origin', await makeBareRemote()]);
  await repo.git(['push', '-q', 'origin', 'main']);
  await repo.git(['config', 'core.hooksPath', PRE_PUSH]);
  await repo.git(['checkout', '-q', '-b', 'claude/work']);
  return repo;
}

async function commitFiles(repo: TestRepo, files: Record<string, string | null>, message = 'change') {
  for (const [path, content] of Object.entries(files)) {
    if (content === null) await repo.git(['rm', '-q', path]);
    else {
      repo.write(path, content);
      await repo.git(['add', path]);
    }
  }
  await repo.git(['commit', '-q', '--allow-empty', '-m', message]);
  return (await repo.git(['rev-parse', 'HEAD'])).trim();
}

async function push(repo: TestRepo, args: string[], env: NodeJS.ProcessEnv = claude) {
  const result = await runProgram('git', ['push', '-q', 'origin', ...args], { cwd: repo.dir, env });
  expect(result.stderr).not.toMatch(STACK_LINE);
  return result;
}

const worktrees = async (repo: TestRepo) => (await repo.git(['worktree', 'list', '--porcelain'])).match(/^worktree /gm)?.length;

describe.concurrent('baseline and pre-push', () => {
  it('records a green baseline, blocks a regression at push with its output, lets the fix through, and never checks a tree twice', async () => {
    const count = counter();
    const repo = await pushable({ commands: [unitCheck(count.file)] });
    expect((await run(repo.dir, ['start', '--goal', 'rate limits', '--tier', '2'], { env: claude })).code).toBe(0);
    const [session] = json(await run(repo.dir, ['status', '--json'])).sessions;
    expect(session.baseline).toMatchObject({ status: 'green', failing: [], tree: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(count.runs()).toBe(1);

    await commitFiles(repo, { BROKEN: '' });
    const blocked = await push(repo, ['claude/work']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('running health check unit on');
    expect(blocked.stderr).toMatch(/blocked \(health\) [0-9a-f]{10}: unit fails \(green in the session baseline: a regression\)\n {4}\| running 12 tests\n {4}\| expected 429, got 200\n/);
    expect(await repo.git(['ls-remote', 'origin', 'refs/heads/claude/work'])).toBe('');
    expect(count.runs()).toBe(2);

    await commitFiles(repo, { BROKEN: null, 'src/fix.ts': 'fixed\n' });
    expect(await push(repo, ['claude/work'])).toMatchObject({ code: 0 });
    expect(count.runs()).toBe(3);
    // A new commit of the same tree, and one that only changes the tracker: nothing runs, nothing is said.
    await commitFiles(repo, {}, 'same tree');
    await commitFiles(repo, { 'AgentTracker.md': `${readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8')}\nmore prose\n` });
    expect(await push(repo, ['claude/work'])).toMatchObject({ code: 0, stderr: '' });
    expect(count.runs()).toBe(3);
    // The cache stays in this clone.
    expect(await repo.git(['for-each-ref', 'refs/agentsync/health'])).not.toBe('');
    expect(await repo.git(['ls-remote', 'origin', 'refs/agentsync/*'])).toBe('');
  });

  it('refuses a red baseline naming the check unless --fixing-baseline; still red warns at push, and blocks under any-failure', async () => {
    const count = counter();
    const repo = await pushable({ commands: [unitCheck(count.file), { name: 'lint', run: 'true' }] });
    await commitFiles(repo, { BROKEN: '' });
    const refused = await run(repo.dir, ['start', '--goal', 'fix it', '--tier', '2'], { env: claude });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The baseline is red: unit failing before any change.');
    expect(refused.stderr).toContain('--fixing-baseline');
    expect((await storedState(repo.dir).catch(() => ({ sessions: [] }))).sessions).toEqual([]);

    const fixing = await run(repo.dir, ['start', '--goal', 'fix it', '--tier', '2', '--fixing-baseline'], { env: claude });
    expect(fixing.code, fixing.stderr).toBe(0);
    expect(fixing.stdout).toContain('baseline: red (unit) — this session fixes it');
    expect(json(await run(repo.dir, ['status', '--json'])).sessions[0]).toMatchObject({ fixingBaseline: true, baseline: { status: 'red', failing: ['unit'] } });

    await commitFiles(repo, { 'docs.md': 'docs\n' });
    const warned = await push(repo, ['claude/work']);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toMatch(/warning \(health\) [0-9a-f]{10}: unit fails \(red in the baseline too\)/);

    repo.write('.agentsync.json', JSON.stringify({ health: { commands: [unitCheck(count.file), { name: 'lint', run: 'true' }], policy: 'any-failure' } }));
    await commitFiles(repo, { '.agentsync.json': readFileSync(join(repo.dir, '.agentsync.json'), 'utf8') });
    const blocked = await push(repo, ['claude/work']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/blocked \(health\) [0-9a-f]{10}: unit fails \(red in the baseline too\)\n {4}\| running 12 tests\n {4}\| expected 429, got 200/);
    expect(blocked.stderr).toContain('health.policy is "any-failure"');
    expect(blocked.stderr).not.toContain('lint fails');
    const health = await run(repo.dir, ['health'], { env: claude });
    expect(health.code).toBe(1);
    expect(health.stderr).toContain('still red unit (fail)\n  | running 12 tests\n  | expected 429, got 200\n');
    expect(health.stdout).toBe('health: 1 of 2 checks failing, 0 regressed\n');
  });

  it('without a session any failing check blocks the push', async () => {
    const count = counter();
    const repo = await pushable({ commands: [unitCheck(count.file)] });
    await commitFiles(repo, { BROKEN: '' });
    const blocked = await push(repo, ['claude/work'], {});
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/blocked \(health\) [0-9a-f]{10}: unit fails\n {4}\| running 12 tests\n {4}\| expected 429, got 200\n {2}No session baseline/);
  });

  it('checks the pushed tip, not the working tree, in a temporary worktree that is always removed', async () => {
    const count = counter();
    const seen = join(makeTemp('seen'), 'heads');
    // The check records which commit it sees as HEAD: its own checkout's, not the pusher's.
    const where = { name: 'where', run: `git rev-parse HEAD >> '${seen}'` };
    const repo = await pushable({ commands: [unitCheck(count.file), where] });
    const lastSeen = () => readFileSync(seen, 'utf8').trim().split('\n').pop();

    // A broken tip on another branch, pushed by sha while HEAD is green.
    await repo.git(['checkout', '-q', '-b', 'claude/broken']);
    const broken = await commitFiles(repo, { BROKEN: '' });
    await repo.git(['checkout', '-q', 'claude/work']);
    const blocked = await push(repo, [`${broken}:refs/heads/x`]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`${broken.slice(0, 10)}: unit fails`);
    expect(lastSeen()).toBe(broken);
    expect(await worktrees(repo)).toBe(1);

    // A green HEAD with a broken, dirty working tree: the commit is what goes out, so it passes.
    const green = await commitFiles(repo, { 'a.txt': 'a\n' });
    repo.write('BROKEN', '');
    expect(await push(repo, ['claude/work'])).toMatchObject({ code: 0 });
    expect(lastSeen()).toBe(green);
    expect(await worktrees(repo)).toBe(1);

    // From a linked worktree, where git hands the hook GIT_DIR: the check still sees its own checkout.
    const linked = repoAt(makeTemp('linked'));
    await repo.git(['worktree', 'add', '-q', '-b', 'claude/linked', linked.dir, 'main']);
    const tip = await commitFiles(linked, { 'b.txt': 'b\n' });
    await linked.git(['checkout', '-q', '--detach', 'main']);
    expect(await push(linked, [`${tip}:refs/heads/linked`])).toMatchObject({ code: 0 });
    expect(lastSeen()).toBe(tip);
    expect(await worktrees(repo)).toBe(2);
    expect(count.runs()).toBe(3);
  });
});

describe.concurrent('running checks', () => {
  it('kills a check at its timeout with everything it started, and what a finished check left running', async () => {
    const dir = makeTemp('marks');
    const repo = await makeRepo({
      config: {
        health: {
          commands: [
            { name: 'slow', run: `(sleep 2; touch '${dir}/slow-child') & sleep 30`, timeout: '1s' },
            { name: 'leaves-child', run: `(sleep 2; touch '${dir}/stray-child') & echo done` },
          ],
        },
      },
    });
    const result = json(await run(repo.dir, ['health', '--json']), 1);
    expect(result.checks).toMatchObject([
      { name: 'slow', status: 'timeout', durationMs: expect.any(Number) },
      { name: 'leaves-child', status: 'pass', outputTail: 'done\n' },
    ]);
    // Stopped at its timeout, not before: how soon after is a timing question for tools/bench.
    expect(result.checks[0].durationMs).toBeGreaterThanOrEqual(1000);
    expect(result.regressions).toEqual(['slow']);
    await sleep(2500);
    expect(existsSync(join(dir, 'slow-child'))).toBe(false);
    expect(existsSync(join(dir, 'stray-child'))).toBe(false);
  });

  it('Ctrl-C stops every check, exits 130 and records nothing; the next run runs the check again', async () => {
    const count = counter();
    const dir = makeTemp('marks');
    const slow = join(dir, 'slow');
    const check = { name: 'unit', run: `echo run >> '${count.file}'; if [ -e '${slow}' ]; then (sleep 2; touch '${dir}/child') & sleep 30; fi` };
    const repo = await makeRepo({ config: { health: { commands: [check] } } });
    writeFileSync(slow, '');

    const child = spawn(process.execPath, [CLI, 'health'], { cwd: repo.dir, env: cleanEnv() });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (count.runs() === 0) await sleep(20);
    await sleep(100);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('Health checks interrupted by SIGINT; nothing was recorded.');
    expect(stderr).not.toMatch(STACK_LINE);
    expect(await repo.git(['for-each-ref', 'refs/agentsync/health'])).toBe('');

    await sleep(2500);
    expect(existsSync(join(dir, 'child'))).toBe(false);
    rmSync(slow);
    expect((await run(repo.dir, ['health'])).code).toBe(0);
    expect(count.runs()).toBe(2);
    const cached = await run(repo.dir, ['health']);
    expect(cached.stderr).toBe('pass unit (cached)\n');
    expect(count.runs()).toBe(2);
  });
});

describe('Ctrl-C during start', () => {
  it('exits 130 with no stack trace and records no session', async () => {
    const count = counter();
    const repo = await makeRepo({ config: { health: { commands: [{ name: 'slow', run: `echo run >> '${count.file}'; sleep 30` }] } } });
    const child = spawn(process.execPath, [CLI, 'start', '--goal', 'g', '--tier', '1', '--agent', 'claude'], { cwd: repo.dir, env: cleanEnv() });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (count.runs() === 0) await sleep(20);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('interrupted by SIGINT');
    expect(stderr).not.toMatch(STACK_LINE);
    expect(json(await run(repo.dir, ['status', '--json'])).sessions).toEqual([]);
  });
});

describe.concurrent('agentsync health', () => {
  it('--json: results, baseline and verdict; a tree checked is cached; plain output names regressions with their output', async () => {
    const repo = await makeRepo({ config: { health: { commands: [{ name: 'build', run: 'echo built' }, { name: 'test', run: 'echo "1 failed" >&2; test ! -e BROKEN' }] } } });
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '1'], { env: claude })).code).toBe(0);
    const green = json(await run(repo.dir, ['health', '--json'], { env: claude }));
    expect(green).toEqual({
      ok: true,
      tree: expect.stringMatching(/^[0-9a-f]{40}$/),
      checks: [
        { name: 'build', status: 'pass', durationMs: expect.any(Number), outputTail: 'built\n', cached: true },
        { name: 'test', status: 'pass', durationMs: expect.any(Number), outputTail: '1 failed\n', cached: true },
      ],
      green: true,
      baseline: { tree: green.tree, status: 'green', failing: [], at: expect.any(String) },
      regressions: [],
      stillRed: [],
      fixed: [],
      blocked: false,
    });

    repo.write('BROKEN', '');
    const red = json(await run(repo.dir, ['health', '--json'], { env: claude }), 1);
    expect(red).toMatchObject({ ok: false, green: false, regressions: ['test'], blocked: true, checks: [{ name: 'build', status: 'pass' }, { name: 'test', status: 'fail' }] });
    expect(red.tree).toBeUndefined();
    expect(red.checks[1].cached).toBeUndefined();

    const plain = await run(repo.dir, ['health'], { env: claude });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^running build…\npass build \d+\.\ds\nrunning test…\nfail test \d+\.\ds\nregression test \(fail\)\n {2}\| 1 failed\n$/);
    expect(plain.stdout).toBe('health: 1 of 2 checks failing, 1 regressed\n');
  });

  it('health.targets without nx.json is exit 2 saying so, for health and start', async () => {
    const repo = await makeRepo({ config: { health: { targets: ['build'] } } });
    for (const args of [['health'], ['start', '--goal', 'g', '--tier', '1']]) {
      const result = await run(repo.dir, args, { env: claude });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('health.targets lists Nx targets, but this repository has no nx.json.');
      expect(result.stderr).toContain('Use health.commands for repositories without Nx');
    }
  });

  it('with no checks configured, health says so and exits 0', async () => {
    const repo = await makeRepo();
    const plain = await run(repo.dir, ['health']);
    expect(plain).toMatchObject({ code: 0, stderr: '' });
    expect(plain.stdout).toContain('No health checks are configured');
    expect(json(await run(repo.dir, ['health', '--json']))).toMatchObject({ ok: true, checks: [], green: true, blocked: false });
  });
});

describe.concurrent('agentsync end', () => {
  it('refuses a regression and changes nothing; --allow-regression --reason hands off and says why; --no-commit commits nothing', async () => {
    const count = counter();
    const repo = await makeRepo({ config: { health: { commands: [unitCheck(count.file)] } } });
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '2', '--claim', 'src'], { env: claude })).code).toBe(0);
    await commitFiles(repo, { BROKEN: '' });
    const snapshot = async () => ({
      head: await repo.git(['rev-parse', 'HEAD']),
      status: await repo.git(['status', '--porcelain']),
      tracker: readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8'),
      state: await repo.git(['rev-parse', 'refs/agentsync/state']),
    });
    const before = await snapshot();

    const refused = await run(repo.dir, ['end', '--summary', 'done'], { env: claude });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Health regressed since the session's baseline: unit.");
    expect(refused.stderr).toContain('| expected 429, got 200');
    expect(refused.stderr).toContain('--allow-regression --reason');
    expect(await snapshot()).toEqual(before);
    expect((await run(repo.dir, ['end', '--summary', 'done', '--allow-regression'], { env: claude })).code).toBe(2);

    const ended = await run(repo.dir, ['end', '--summary', 'done', '--allow-regression', '--reason', 'flaky upstream, fixed in #12', '--no-commit'], { env: claude });
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toContain('health red (regressed: unit).');
    expect(ended.stdout).toContain('Handoff written to AgentTracker.md (not committed).');
    const tracker = readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8');
    expect(tracker).toContain('Health: red (regressed: unit)');
    expect(tracker).toContain('Note: Handed off despite a regression: flaky upstream, fixed in #12');
    expect(await repo.git(['rev-parse', 'HEAD'])).toBe(before.head);
    expect(json(await run(repo.dir, ['status', '--json']))).toMatchObject({ sessions: [], claims: [] });
  });

  it('green: writes the handoff, commits it with what is staged and the trailers, and the push after it runs nothing', async () => {
    const count = counter();
    const repo = await pushable({ commands: [unitCheck(count.file)] });
    expect((await run(repo.dir, ['start', '--goal', 'rate limits', '--tier', '2'], { env: claude })).code).toBe(0);
    const session = json(await run(repo.dir, ['status', '--json'])).sessions[0].id;
    await commitFiles(repo, { 'src/limits.ts': 'export const limit = 10;\n' });
    repo.write('src/staged.ts', 'staged\n');
    await repo.git(['add', 'src/staged.ts']);
    repo.write('unstaged.txt', 'not mine to commit\n');

    const ended = await run(
      repo.dir,
      ['end', '--summary', 'Rate limits on every route', '--next', 'document the limits', '--blocker', 'no staging env', '--failed', 'a global mutex', '--tokens', '6400'],
      { env: claude },
    );
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/^claude ended s-\w+; released 0 claim\(s\); health green \(1 checks\)\.\nHandoff committed as [0-9a-f]{10}\.\nSuggested next work \(1\)\n {2}- document the limits \(from claude\)\n$/);
    expect(await repo.git(['log', '-1', '--format=%B'])).toBe(
      `agentsync: handoff from claude: Rate limits on every route\n\nSession goal: rate limits\n\nAgent: claude\nAgent-Session: ${session}\nAgent-Tier: 2\n\n`,
    );
    expect((await repo.git(['show', '--name-only', '--format=', 'HEAD'])).split('\n').filter(Boolean).sort()).toEqual(['AgentTracker.md', 'src/staged.ts']);
    expect(await repo.git(['status', '--porcelain'])).toBe('?? unstaged.txt\n');
    const tracker = await repo.git(['show', 'HEAD:AgentTracker.md']);
    expect(tracker).toContain('### Handoff: Rate limits on every route — claude');
    expect(tracker).toMatch(/\*\*Blockers\*\*\n- no staging env\n/);
    expect(tracker).toMatch(/\*\*Failed approaches\*\*\n- a global mutex\n/);
    expect(tracker).toContain('Tokens used: 6400 of budget 2000–8000 · Health: green (1 checks)');
    const runs = count.runs();

    // end checked the working tree, staged file and all, so the committed tree is new to the cache: checked once.
    expect(await push(repo, ['claude/work'], {})).toMatchObject({ code: 0 });
    expect(count.runs()).toBe(runs + 1);
    await commitFiles(repo, {}, 'nothing');
    expect(await push(repo, ['claude/work'], {})).toMatchObject({ code: 0, stderr: '' });
    expect(count.runs()).toBe(runs + 1);
  });

  it('the push right after a handoff with nothing staged runs nothing', async () => {
    const count = counter();
    const repo = await pushable({ commands: [unitCheck(count.file)] });
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '1'], { env: claude })).code).toBe(0);
    await commitFiles(repo, { 'a.txt': 'a\n' });
    expect((await run(repo.dir, ['end', '--summary', 'a'], { env: claude })).code).toBe(0);
    expect(count.runs()).toBe(2);
    expect(await push(repo, ['claude/work'], {})).toMatchObject({ code: 0, stderr: '' });
    expect(count.runs()).toBe(2);
  });
});
