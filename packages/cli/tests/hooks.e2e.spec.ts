/**
 * The git hooks as git runs them: real repositories whose core.hooksPath points
 * at scripts that exec the built CLI, commits and pushes through git itself.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeBareRemote, makeRepo, makeTemp, repoAt, runProgram, type RunResult, type TestRepo } from './fixture';
import { run, STACK_LINE } from './e2e';
import { installHusky } from './husky';
import { HAS_OTHER_NODE, OTHER_NODE_VERSION, otherNode } from './other-node';

type Hook = 'pre-commit' | 'commit-msg' | 'pre-push';

/** A hooks dir whose scripts exec the built CLI with `node`; only the hooks a test needs, since each costs a Node start a commit. */
function hooksDir(hooks: Hook[], node = process.execPath): string {
  const dir = makeTemp('githooks');
  for (const hook of hooks) {
    writeFileSync(join(dir, hook), `#!/bin/sh\nexec "${node}" "${CLI}" hook ${hook} "$@"\n`, { mode: 0o755 });
  }
  return dir;
}
const PRE_COMMIT = hooksDir(['pre-commit']);
const ALL_HOOKS = hooksDir(['pre-commit', 'commit-msg', 'pre-push']);

/** A repo (see makeRepo) whose hooks run AgentSync, on `branch`. */
async function hooked(config: object | null = {}, branch = 'claude/work', hooks = PRE_COMMIT): Promise<TestRepo> {
  const repo = await makeRepo({ config });
  await repo.git(['config', 'core.hooksPath', hooks]);
  if (branch !== 'main') await repo.git(['checkout', '-q', '-b', branch]);
  return repo;
}

/** Runs git in the repo without throwing; hook output lands in stderr. */
async function gitRun(repo: TestRepo, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const result = await runProgram('git', args, { cwd: repo.dir, env });
  expect(result.stdout + result.stderr).not.toMatch(STACK_LINE);
  return result;
}

/** Writes and stages files, then commits them as `env` says. */
async function commit(repo: TestRepo, files: Record<string, string>, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  for (const [path, content] of Object.entries(files)) repo.write(path, content);
  if (Object.keys(files).length > 0) await repo.git(['add', '--', ...Object.keys(files)]);
  return gitRun(repo, ['commit', '-q', '-m', 'change', ...args], env);
}

const claude = { AGENTSYNC_AGENT: 'claude' };
const head = async (repo: TestRepo) => (await repo.git(['rev-parse', 'HEAD'])).trim();

/** Points refs/agentsync/state at a commit whose state.json is `content`. */
async function writeState(repo: TestRepo, content: string) {
  const out = async (args: string[], input: string) => (await runProgram('git', args, { cwd: repo.dir, input })).stdout.trim();
  const blob = await out(['hash-object', '-w', '--stdin'], content);
  const tree = await out(['mktree'], `100644 blob ${blob}\tstate.json\n`);
  const commitSha = (await repo.git(['commit-tree', tree, '-m', 'garbage'])).trim();
  await repo.git(['update-ref', 'refs/agentsync/state', commitSha]);
}

describe.concurrent('pre-commit: claims', () => {
  it('blocks a new file in a folder another agent claimed, naming holder, glob, goal and expiry, and passes once released', async () => {
    const repo = await hooked();
    expect((await run(repo.dir, ['start', '--goal', 'refactor the api', '--tier', '2', '--claim', 'src/api', '--agent', 'codex'])).code).toBe(0);
    const before = await head(repo);

    const blocked = await commit(repo, { 'src/api/users.ts': 'export {};\n', 'docs/a.md': 'a\n' }, claude);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/src\/api\/users\.ts is claimed by codex \(src\/api, goal: refactor the api, expires in (1h 59m|2h 0m)\)/);
    expect(blocked.stderr).toContain('Ask codex to release it');
    expect(blocked.stderr).not.toContain('docs/a.md');
    expect(await head(repo)).toBe(before);
    // The hook left the index and the working tree as they were.
    expect(await repo.git(['status', '--porcelain', '--untracked-files=no'])).toBe('A  docs/a.md\nA  src/api/users.ts\n');

    expect((await run(repo.dir, ['release', '--all', '--agent', 'codex'])).code).toBe(0);
    const passed = await commit(repo, {}, claude);
    expect(passed).toMatchObject({ code: 0, stderr: '' });
    expect(await head(repo)).not.toBe(before);
  });

  it('blocks moving a file out of a claimed folder and deleting one in it', async () => {
    const repo = await hooked();
    await commit(repo, { 'src/api/old.ts': 'export const old = 1;\n'.repeat(5), 'src/api/gone.ts': 'gone\n' }, claude);
    expect((await run(repo.dir, ['claim', 'src/api/**', '--agent', 'codex'])).code).toBe(0);

    await repo.git(['mv', 'src/api/old.ts', 'lib-old.ts']);
    const moved = await commit(repo, {}, claude);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('src/api/old.ts is claimed by codex (src/api/**');
    expect(moved.stderr).not.toContain('lib-old.ts is claimed');

    await repo.git(['reset', '-q', '--hard']);
    await repo.git(['rm', '-q', 'src/api/gone.ts']);
    const deleted = await commit(repo, {}, claude);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain('src/api/gone.ts is claimed by codex');
  });

  it('sees a claim made in another worktree', async () => {
    const repo = await hooked();
    const worktree = repoAt(makeTemp('worktree'));
    await repo.git(['worktree', 'add', '-q', '-b', 'codex/api', worktree.dir]);
    expect((await run(worktree.dir, ['claim', 'src/api'])).code).toBe(0);

    const blocked = await commit(repo, { 'src/api/x.ts': 'x\n' }, claude);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('src/api/x.ts is claimed by codex');
    expect(await commit(worktree, { 'src/api/x.ts': 'x\n' })).toMatchObject({ code: 0, stderr: '' });
  });

  it('reads odd file names as data: spaces, quotes, a newline, leading dashes, `--`, non-ASCII, shell syntax', async () => {
    const repo = await hooked();
    const names = ['with space.txt', `q"uo't.txt`, 'new\nline.txt', '-n', '--', 'ünïcödé ✓.txt', '$(touch pwned).txt', '`touch pwned`;|&.txt'];
    expect((await run(repo.dir, ['claim', 'odd', '--agent', 'codex'])).code).toBe(0);

    const blocked = await commit(repo, Object.fromEntries(names.map((name) => [`odd/${name}`, `${name}\n`])), claude);
    expect(blocked.code).toBe(1);
    for (const name of names) {
      const shown = name.includes('\n') ? JSON.stringify(`odd/${name}`) : `odd/${name}`;
      expect(blocked.stderr).toContain(`${shown} is claimed by codex`);
    }
    expect(blocked.stderr.match(/is claimed by/g)).toHaveLength(names.length);
    await repo.git(['rm', '-q', '--cached', '-r', 'odd']);

    // At the top level, where `-n` and `--` would be options if they reached a command line unguarded.
    const free = await commit(repo, Object.fromEntries(names.map((name) => [name, `${name}\n`])), claude);
    expect(free).toMatchObject({ code: 0, stderr: '' });
    const committed = (await repo.git(['ls-tree', '-z', '--name-only', 'HEAD'])).split('\0');
    for (const name of names) expect(committed).toContain(name);
    expect(existsSync(join(repo.dir, 'pwned'))).toBe(false);
  });

  it('warns a person and lets the commit through, unless claims.blockHumans', async () => {
    const repo = await hooked({}, 'main');
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'codex'])).code).toBe(0);
    const warned = await commit(repo, { 'src/a.ts': 'a\n' });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning (claims) src/a.ts is claimed by codex');

    repo.write('.agentsync.json', JSON.stringify({ claims: { blockHumans: true } }));
    const blocked = await commit(repo, { 'src/b.ts': 'b\n' });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('blocked (claims) src/b.ts is claimed by codex');
  });
});

describe.concurrent('pre-commit: hot files, gates, sessions, branches', () => {
  it('limits hot-file edits and requires a claim where configured', async () => {
    const repo = await hooked({ hotFiles: [{ path: 'package.json', maxChangedLines: 3 }, { path: 'src/registry.ts', requireClaim: true }] });
    const big = await commit(repo, { 'package.json': '{\n"a": 1,\n"b": 2,\n"c": 3\n}\n' }, claude);
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('package.json is a hot file: 5 changed lines, the limit is 3');
    await repo.git(['reset', '-q', '--hard']);
    expect(await commit(repo, { 'package.json': '{}\n' }, claude)).toMatchObject({ code: 0, stderr: '' });

    const unclaimed = await commit(repo, { 'src/registry.ts': 'x\n' }, claude);
    expect(unclaimed.code).toBe(1);
    expect(unclaimed.stderr).toContain('src/registry.ts is a hot file that needs a claim');
    expect((await run(repo.dir, ['claim', 'src/registry.ts', '--agent', 'claude'])).code).toBe(0);
    expect(await commit(repo, {}, claude)).toMatchObject({ code: 0, stderr: '' });
  });

  it('blocks gated paths above the session tier, and asks for Approved-by where the gate requires approval', async () => {
    const repo = await hooked({
      gates: [
        { paths: ['infra/**'], risk: 'high', description: 'production infrastructure' },
        { paths: ['db/**'], risk: 'low', requires: 'approval' },
      ],
    }, 'claude/work', ALL_HOOKS);
    expect((await run(repo.dir, ['start', '--goal', 'infra', '--tier', '2', '--agent', 'claude'])).code).toBe(0);
    const gated = await commit(repo, { 'infra/main.tf': 'x\n' }, claude);
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain("infra/main.tf: gated at risk high (production infrastructure); claude's tier 2 allows up to medium");
    await repo.git(['reset', '-q', '--hard']);

    expect((await run(repo.dir, ['start', '--goal', 'infra', '--tier', '3', '--agent', 'gemini'])).code).toBe(0);
    expect(await commit(repo, { 'infra/main.tf': 'x\n' }, { AGENTSYNC_AGENT: 'gemini' })).toMatchObject({ code: 0 });

    const unapproved = await commit(repo, { 'db/schema.sql': 'x\n' }, claude);
    expect(unapproved.code).toBe(1);
    expect(unapproved.stderr).toContain('db/schema.sql: gated at risk low and needs approval');
    const approved = await commit(repo, {}, claude, ['-m', 'Approved-by: Dana <dana@example.com>']);
    expect(approved.code, approved.stderr).toBe(0);
  });

  it("renews the committing agent's leases once they are past half their length", async () => {
    const repo = await hooked({ claims: { ttl: '1h' } });
    const env = { AGENTSYNC_AGENT: 'claude' };
    const expiries = async () =>
      Object.fromEntries(JSON.parse((await run(repo.dir, ['status', '--json'])).stdout).claims.map((c: any) => [c.glob, Date.parse(c.expiresAt)]));
    expect((await run(repo.dir, ['claim', 'src/**'], { env })).code).toBe(0);
    const fresh = await expiries();
    expect((await commit(repo, { 'src/a.ts': 'a\n' }, env)).code).toBe(0);
    expect(await expiries()).toEqual(fresh);
    // A lease with less than half of claims.ttl left: the next commit renews all of claude's.
    expect((await run(repo.dir, ['claim', 'docs/**', '--ttl', '10m'], { env })).code).toBe(0);
    expect((await commit(repo, { 'src/b.ts': 'b\n' }, env)).code).toBe(0);
    const renewed = await expiries();
    expect(renewed['docs/**']).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(renewed['src/**']).toBeGreaterThanOrEqual(fresh['src/**']);
  });

  it('blocks an agent without a session under sessions.required', async () => {
    const repo = await hooked({ sessions: { required: true } });
    const blocked = await commit(repo, { 'a.txt': 'a\n' }, claude);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('claude has no active session, and sessions.required is set');
    expect((await run(repo.dir, ['start', '--goal', 'a', '--tier', '1', '--agent', 'claude'])).code).toBe(0);
    expect(await commit(repo, {}, claude)).toMatchObject({ code: 0, stderr: '' });
  });

  it('warns about a branch outside branches.pattern once, never on the default branch, and blocks with enforce "block"', async () => {
    const repo = await hooked({}, 'main');
    expect(await commit(repo, { 'main.txt': 'm\n' }, claude)).toMatchObject({ code: 0, stderr: '' });
    await repo.git(['checkout', '-q', '-b', 'feature']);
    const warned = await commit(repo, { 'a.txt': 'a\n' }, claude);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning (branches) branch feature does not match branches.pattern {agent}/{feature}');
    expect(warned.stderr).toContain('claude/my-feature');
    expect(await commit(repo, { 'a2.txt': 'a\n' }, claude)).toMatchObject({ code: 0, stderr: '' });
    await repo.git(['checkout', '-q', 'main']);

    repo.write('.agentsync.json', JSON.stringify({ branches: { enforce: 'block' } }));
    const blocked = await commit(repo, { 'b.txt': 'b\n' }, claude);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('blocked (branches)');
    await repo.git(['checkout', '-q', '-b', 'Claude/fix']);
    expect(await commit(repo, {}, claude)).toMatchObject({ code: 0, stderr: '' });
  });
});

describe.concurrent('commit-msg', () => {
  const trailers = async (repo: TestRepo, rev = 'HEAD') =>
    (await repo.git(['log', '-1', '--format=%(trailers:only,unfold)', rev])).trim().split('\n').filter(Boolean);

  it('adds Agent, Agent-Session and Agent-Tier once; not again on amend, nor on fixups, agents without a session or an empty message', async () => {
    const repo = await hooked({}, 'claude/work', ALL_HOOKS);
    const { stdout } = await run(repo.dir, ['start', '--goal', 'g', '--tier', '3', '--agent', 'claude', '--json']);
    const session = JSON.parse(stdout).session.id;
    const ours = ['Agent: claude', `Agent-Session: ${session}`, 'Agent-Tier: 3'];

    // A `---` line and a trailer of the user's own: git's divider rule and prefix matching are both traps.
    expect((await commit(repo, { 'a.txt': 'a\n' }, claude, ['-m', 'body\n---\nmore', '-m', 'Refs: #12'])).code).toBe(0);
    expect(await trailers(repo)).toEqual(['Refs: #12', ...ours]);
    expect((await gitRun(repo, ['commit', '-q', '--amend', '--no-edit'], claude)).code).toBe(0);
    expect(await trailers(repo)).toEqual(['Refs: #12', ...ours]);

    repo.write('a.txt', 'b\n');
    await repo.git(['add', 'a.txt']);
    expect((await gitRun(repo, ['commit', '-q', '--fixup', 'HEAD'], claude)).code).toBe(0);
    expect(await trailers(repo)).toEqual([]);
    expect((await commit(repo, { 'p.txt': 'p\n' }, { AGENTSYNC_AGENT: 'codex' })).code).toBe(0);
    expect(await trailers(repo)).toEqual([]);

    repo.write('e.txt', 'e\n');
    await repo.git(['add', 'e.txt']);
    const empty = await gitRun(repo, ['commit', '-q', '--cleanup=strip', '-m', '# only a comment'], claude);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('empty commit message');
  });

  it('adds the trailers to a merge commit once', async () => {
    const repo = await hooked({}, 'claude/work', ALL_HOOKS);
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '2', '--agent', 'claude'])).code).toBe(0);
    await repo.git(['checkout', '-q', '-b', 'claude/side']);
    expect((await commit(repo, { 'side.txt': 's\n' }, claude)).code).toBe(0);
    await repo.git(['checkout', '-q', 'claude/work']);
    expect((await commit(repo, { 'work.txt': 'w\n' }, claude)).code).toBe(0);
    expect((await gitRun(repo, ['merge', '-q', '--no-ff', '--no-edit', 'claude/side'], claude)).code).toBe(0);
    expect(await repo.git(['log', '-1', '--format=%B'])).toMatch(/^Merge branch 'claude\/side' into claude\/work\n\nAgent: claude\nAgent-Session: s-\w+\nAgent-Tier: 2\n/);
  });
});

describe.concurrent('pre-push', () => {
  it('stops --no-verify commits on claimed paths; clean pushes, merges of main, tags and deletions pass', async () => {
    const repo = await hooked({}, 'main', ALL_HOOKS);
    const remote = await makeBareRemote();
    await repo.git(['remote', 'add', 'origin', remote]);
    expect((await commit(repo, { 'src/api/base.ts': 'base\n' })).code).toBe(0);
    expect((await gitRun(repo, ['push', '-q', '-u', 'origin', 'main', 'main:claude/old'])).code).toBe(0);
    await repo.git(['checkout', '-q', '-b', 'claude/feat', 'HEAD~1']);
    expect((await run(repo.dir, ['claim', 'src/api', '--agent', 'codex'])).code).toBe(0);

    // Merging main in brings codex's folder along, but the merge itself touches nothing of it.
    expect((await commit(repo, { 'docs/a.md': 'a\n' }, claude)).code).toBe(0);
    expect((await gitRun(repo, ['merge', '-q', '--no-edit', 'origin/main'], claude)).code).toBe(0);
    expect(await gitRun(repo, ['push', '-q', 'origin', 'claude/feat'], claude)).toMatchObject({ code: 0, stderr: '' });

    expect((await commit(repo, { 'src/api/x.ts': 'x\n' }, claude, ['--no-verify'])).code).toBe(0);
    const bad = (await head(repo)).slice(0, 10);
    const blocked = await gitRun(repo, ['push', '-q', 'origin', 'claude/feat', 'claude/feat:claude/new'], claude);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain(`commit ${bad}: src/api/x.ts is claimed by codex`);
    expect(blocked.stderr.match(/is claimed by/g)).toHaveLength(1);
    expect(await repo.git(['ls-remote', remote, 'refs/heads/claude/feat'])).toContain((await repo.git(['rev-parse', 'HEAD~1'])).trim());

    await repo.git(['tag', 'v1', 'HEAD~1']);
    expect(await gitRun(repo, ['push', '-q', 'origin', 'v1'], claude)).toMatchObject({ code: 0, stderr: '' });
    expect(await gitRun(repo, ['push', '-q', 'origin', '--delete', 'claude/old'], claude)).toMatchObject({ code: 0, stderr: '' });
  });

  it('a remote-tracking ref of another remote hides nothing: only what the pushed-to remote has is excluded', async () => {
    const repo = await hooked({}, 'claude/feat', ALL_HOOKS);
    const [origin, fork] = await Promise.all([makeBareRemote(), makeBareRemote()]);
    await repo.git(['remote', 'add', 'origin', origin]);
    await repo.git(['remote', 'add', 'fork', fork]);
    expect((await gitRun(repo, ['push', '-q', 'origin', 'main'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'src/api', '--agent', 'codex'])).code).toBe(0);
    expect((await commit(repo, { 'src/api/x.ts': 'x\n' }, claude, ['--no-verify'])).code).toBe(0);
    const bad = (await head(repo)).slice(0, 10);

    // A hand-made tracking ref of a remote that is not the one pushed to.
    await repo.git(['update-ref', 'refs/remotes/elsewhere/hide', 'HEAD']);
    const hidden = await gitRun(repo, ['push', '-q', 'origin', 'claude/feat'], claude);
    expect(hidden.code).not.toBe(0);
    expect(hidden.stderr).toContain(`commit ${bad}: src/api/x.ts is claimed by codex`);

    // The commit is on a fork already (pushed there past the hook): origin has not seen it.
    expect((await gitRun(repo, ['push', '-q', '--no-verify', 'fork', 'claude/feat'])).code).toBe(0);
    expect(await repo.git(['rev-parse', 'refs/remotes/fork/claude/feat'])).toContain(bad);
    const onFork = await gitRun(repo, ['push', '-q', 'origin', 'claude/feat'], claude);
    expect(onFork.code).not.toBe(0);
    expect(onFork.stderr).toContain(`commit ${bad}: src/api/x.ts is claimed by codex`);

    // Pushed to a URL rather than a remote name: no tracking refs count at all.
    const byUrl = await gitRun(repo, ['push', '-q', origin, 'claude/feat'], claude);
    expect(byUrl.code).not.toBe(0);
    expect(byUrl.stderr).toContain(`commit ${bad}: src/api/x.ts is claimed by codex`);
    expect(await repo.git(['ls-remote', origin, 'refs/heads/claude/feat'])).toBe('');

    // What origin itself has is still excluded: its main, merged in, passes.
    await repo.git(['reset', '-q', '--hard', 'HEAD~1']);
    expect(await gitRun(repo, ['push', '-q', 'origin', 'claude/feat'], claude)).toMatchObject({ code: 0, stderr: '' });
  });

  it("what the coordination remote has counts as published: a fork workflow pushes upstream's checked work to a stale fork", async () => {
    const [upstream, fork] = await Promise.all([makeBareRemote(), makeBareRemote()]);
    const repo = await hooked({ coordination: { remote: 'upstream' } }, 'main', ALL_HOOKS);
    await repo.git(['remote', 'add', 'upstream', upstream]);
    await repo.git(['remote', 'add', 'fork', fork]);
    expect((await gitRun(repo, ['push', '-q', 'fork', 'main'])).code).toBe(0);
    // Work that reached upstream before codex claimed its folder.
    expect((await commit(repo, { 'src/api/merged.ts': 'm\n' }, claude)).code).toBe(0);
    expect((await gitRun(repo, ['push', '-q', 'upstream', 'main'], claude)).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'src/api', '--agent', 'codex'])).code).toBe(0);
    await repo.git(['checkout', '-q', '-b', 'claude/feat']);
    expect((await commit(repo, { 'docs/a.md': 'a\n' }, claude)).code).toBe(0);
    expect(await gitRun(repo, ['push', '-q', 'fork', 'claude/feat'], claude)).toMatchObject({ code: 0, stderr: '' });
  });

  it('checks pushes to tags and to refs/agentsync/* other than the store\'s own refs', async () => {
    const repo = await hooked({}, 'claude/feat', ALL_HOOKS);
    const remote = await makeBareRemote();
    await repo.git(['remote', 'add', 'origin', remote]);
    expect((await gitRun(repo, ['push', '-q', 'origin', 'main'])).code).toBe(0);
    expect((await run(repo.dir, ['claim', 'src/api', '--agent', 'codex'])).code).toBe(0);
    expect((await commit(repo, { 'src/api/x.ts': 'x\n' }, claude, ['--no-verify'])).code).toBe(0);
    const bad = (await head(repo)).slice(0, 10);

    await repo.git(['tag', 'light']);
    await repo.git(['tag', '-a', '-m', 'annotated', 'v2']);
    for (const ref of ['light', 'v2', 'HEAD:refs/agentsync/smuggled', 'HEAD:refs/agentsync/state-backup']) {
      const blocked = await gitRun(repo, ['push', '-q', 'origin', ref], claude);
      expect(blocked.code, ref).not.toBe(0);
      expect(blocked.stderr).toContain(`commit ${bad}: src/api/x.ts is claimed by codex`);
    }
    expect(await repo.git(['ls-remote', remote, 'refs/tags/*', 'refs/agentsync/*'])).toBe('');
    // The store's own refs pass as before: they hold state.json, not work.
    expect(await gitRun(repo, ['push', '-q', 'origin', 'refs/agentsync/state'], claude)).toMatchObject({ code: 0, stderr: '' });
  });

  it("judges a pushed commit as the agent its Agent: trailer names, not as whoever pushes it", async () => {
    const repo = await hooked({}, 'claude/work', ALL_HOOKS);
    const remote = await makeBareRemote();
    await repo.git(['remote', 'add', 'origin', remote]);
    expect((await run(repo.dir, ['start', '--goal', 'api', '--tier', '2', '--claim', 'src/api/**'], { env: claude })).code).toBe(0);
    expect((await commit(repo, { 'src/api/a.ts': 'a\n' }, claude)).code).toBe(0);
    expect(await repo.git(['log', '-1', '--format=%(trailers:key=Agent,valueonly)'])).toBe('claude\n\n');
    // codex pushes claude's commit (after a rebase, say): claude's own claim is no conflict.
    const pushed = await gitRun(repo, ['push', '-q', 'origin', 'HEAD:refs/heads/codex/carry'], { AGENTSYNC_AGENT: 'codex' });
    expect(pushed).toMatchObject({ code: 0, stderr: '' });
  });

  it('a first push to a new remote does not judge the history from before AgentSync came in', async () => {
    const repo = await hooked(null, 'main', ALL_HOOKS);
    // Old history: an unapproved change to a path that is gated later.
    expect((await commit(repo, { 'db/schema.sql': 'old\n' })).code).toBe(0);
    repo.write('.agentsync.json', JSON.stringify({ gates: [{ paths: ['db/**'], risk: 'low', requires: 'approval' }] }));
    await repo.git(['add', '.agentsync.json']);
    await repo.git(['commit', '-q', '-m', 'adopt agentsync']);
    const remote = await makeBareRemote();
    await repo.git(['remote', 'add', 'origin', remote]);
    expect(await gitRun(repo, ['push', '-q', 'origin', 'main'])).toMatchObject({ code: 0, stderr: '' });
    // After adoption the rule holds.
    expect((await commit(repo, { 'db/schema.sql': 'new\n' }, {}, ['--no-verify'])).code).toBe(0);
    const blocked = await gitRun(repo, ['push', '-q', 'origin', 'main']);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('needs approval');
  });

  it('asks for Approved-by on gated commits made with --no-verify', async () => {
    const repo = await hooked({ gates: [{ paths: ['db/**'], risk: 'low', requires: 'approval' }] }, 'claude/work', ALL_HOOKS);
    const remote = await makeBareRemote();
    await repo.git(['remote', 'add', 'origin', remote]);
    expect((await commit(repo, { 'db/a.sql': 'a\n' }, claude, ['--no-verify'])).code).toBe(0);
    const blocked = await gitRun(repo, ['push', '-q', 'origin', 'claude/work'], claude);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('db/a.sql: gated at risk low and needs approval');
    // The pre-commit framework keeps git's stdin and passes the range in its environment instead.
    const framework = { ...claude, PRE_COMMIT_TO_REF: await head(repo), PRE_COMMIT_FROM_REF: '', PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/claude/work' };
    const viaFramework = await run(repo.dir, ['hook', 'pre-push', 'origin', remote], { env: framework });
    expect(viaFramework.code).toBe(1);
    expect(viaFramework.stderr).toContain('db/a.sql: gated at risk low and needs approval');
    expect((await gitRun(repo, ['commit', '-q', '--amend', '--no-verify', '-m', 'db\n\nApproved-by: Dana <d@example.com>'])).code).toBe(0);
    expect(await gitRun(repo, ['push', '-q', 'origin', 'claude/work'], claude)).toMatchObject({ code: 0, stderr: '' });
  });
});

describe.concurrent('skipping, failing, staying out of the way', () => {
  it('AGENTSYNC_SKIP=1 lets a blocked commit through with one line and an audit record; HUSKY=0 silently', async () => {
    const repo = await hooked();
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'codex'])).code).toBe(0);
    const parent = await head(repo);
    const skipped = await commit(repo, { 'src/a.ts': 'a\n' }, { ...claude, AGENTSYNC_SKIP: '1', AGENTSYNC_SKIP_REASON: 'prod is down' });
    expect(skipped.code).toBe(0);
    expect(skipped.stderr.trim().split('\n')).toEqual([expect.stringContaining('pre-commit checks skipped (AGENTSYNC_SKIP=1); recorded in refs/agentsync/audit')]);
    const audit = await repo.git(['log', '--format=%an%n%B', 'refs/agentsync/audit']);
    expect(audit).toContain('claude\nskip pre-commit by claude: prod is down');
    expect(audit).toContain(`head: ${parent}`);

    // A reason with newlines cannot forge lines of the record.
    const forged = 'hotfix\n\nbranch: main\nhead: 0000000000000000000000000000000000000000';
    expect((await commit(repo, { 'src/c.ts': 'c\n' }, { ...claude, AGENTSYNC_SKIP: '1', AGENTSYNC_SKIP_REASON: forged })).code).toBe(0);
    const record = await repo.git(['log', '-1', '--format=%B', 'refs/agentsync/audit']);
    expect(record.split('\n')[0]).toBe('skip pre-commit by claude: hotfix  branch: main head: 0000000000000000000000000000000000000000');
    expect(record.match(/^head: /gm)).toHaveLength(1);
    expect(record.match(/^branch: /gm)).toEqual(['branch: ']);

    expect(await commit(repo, { 'src/b.ts': 'b\n' }, { ...claude, HUSKY: '0' })).toMatchObject({ code: 0, stderr: '' });
  });

  it('leaves a repository without .agentsync.json untouched and says nothing', async () => {
    const repo = await hooked(null, 'main');
    const result = await commit(repo, { 'a.txt': 'a\n' }, { ...claude, AGENTSYNC_SKIP: '1' });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await repo.git(['for-each-ref', 'refs/agentsync'])).toBe('');
    expect(existsSync(join(repo.dir, '.git', 'agentsync'))).toBe(false);
  });

  it('fails closed on a corrupt store, with the debug hint; hooks.failOpen lets the commit through', async () => {
    const repo = await hooked();
    await writeState(repo, 'garbage');
    const blocked = await commit(repo, { 'a.txt': 'a\n' }, claude);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('refs/agentsync/state is corrupt');
    expect(blocked.stderr).toContain('fail closed');
    expect(blocked.stderr).toContain('AGENTSYNC_DEBUG=1');

    repo.write('.agentsync.json', JSON.stringify({ hooks: { failOpen: true } }));
    const open = await commit(repo, {}, claude);
    expect(open.code).toBe(0);
    expect(open.stderr).toContain('internal error, letting git go on (hooks.failOpen)');

    repo.write('.agentsync.json', '{ "hooks": ');
    const invalid = await commit(repo, { 'b.txt': 'b\n' }, claude);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('Invalid configuration');
  });

  it('an invalid .agentsync.json blocks with the located error, as status shows it, and no misleading hint', async () => {
    const repo = await hooked({ hotFiles: 3 });
    const config = join(repo.dir, '.agentsync.json');
    const blocked = await commit(repo, { 'a.txt': 'a\n' }, claude);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`${config}:2:15  hotFiles: expected an array, got number`);
    expect(blocked.stderr).toContain('pre-commit: blocked until .agentsync.json is valid');
    expect(blocked.stderr).not.toMatch(/could not run|failOpen|AGENTSYNC_DEBUG/);
    expect((await run(repo.dir, ['status'])).stderr).toContain(`${config}:2:15`);
  });
});

describe.concurrent('lint-staged', () => {
  /** A stand-in lint-staged whose API and binary record each run in .git/lint-staged.log. */
  function fakeLintStaged(repo: TestRepo, passes = true) {
    const log = join(repo.dir, '.git', 'lint-staged.log');
    repo.write('node_modules/lint-staged/package.json', JSON.stringify({ name: 'lint-staged', type: 'module', exports: { '.': { default: './index.js' } } }));
    repo.write(
      'node_modules/lint-staged/index.js',
      `import { appendFileSync } from 'node:fs';\nexport default async () => { appendFileSync(${JSON.stringify(log)}, 'api\\n'); return ${passes}; };\n`,
    );
    repo.write('node_modules/.bin/lint-staged', `#!/bin/sh\necho bin >> "${log}"\n`);
    chmodSync(join(repo.dir, 'node_modules/.bin/lint-staged'), 0o755);
    repo.write('.gitignore', 'node_modules\n');
    return () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  }

  // lint-staged is an ES module: Node 20 loads it with require(), Node 22 may take import() (bin/agentsync.js).
  const nodes: Array<[string, () => Promise<string>]> = [[process.version, async () => process.execPath]];
  if (HAS_OTHER_NODE) nodes.push([`v${OTHER_NODE_VERSION}`, otherNode]);

  it.each(nodes)('runs after the checks pass, not when they block, and says to install it when missing (Node %s)', async (_, node) => {
    const repo = await hooked({ hooks: { lintStaged: true } }, 'claude/work', hooksDir(['pre-commit'], await node()));
    const missing = await commit(repo, { 'a.txt': 'a\n' }, claude);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('lint-staged is not installed. Install it (npm install --save-dev lint-staged)');

    const calls = fakeLintStaged(repo);
    expect(await commit(repo, {}, claude)).toMatchObject({ code: 0, stderr: '' });
    expect(calls()).toBe('api\n');
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'codex'])).code).toBe(0);
    expect((await commit(repo, { 'src/a.ts': 'a\n' }, claude)).code).toBe(1);
    expect(calls()).toBe('api\n');

    await repo.git(['reset', '-q', '--hard']);
    fakeLintStaged(repo, false);
    expect((await commit(repo, { 'b.txt': 'b\n' }, claude)).code).toBe(1);
    expect(calls()).toBe('api\napi\n');
  });

  it('runs once under husky where the repo\'s own hook calls it already', async () => {
    const repo = await makeRepo({ config: { hooks: { lintStaged: true } } });
    const calls = fakeLintStaged(repo);
    repo.write('.husky/pre-commit', 'node_modules/.bin/agentsync hook pre-commit "$@"\nlint-staged\n');
    await installHusky(repo);
    expect(await repo.git(['config', 'core.hooksPath'])).toBe('.husky/_\n');

    expect(await commit(repo, { 'a.txt': 'a\n' }, claude)).toMatchObject({ code: 0 });
    expect(calls()).toBe('bin\n');
    expect((await run(repo.dir, ['claim', 'a.txt', '--agent', 'codex'])).code).toBe(0);
    const blocked = await commit(repo, { 'a.txt': 'b\n' }, claude);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('a.txt is claimed by codex');
    expect(calls()).toBe('bin\n');
  });
});

describe('many agents at once', () => {
  it('four worktrees, four agents with disjoint claims, committing together: nothing lost', async () => {
    const repo = await hooked({ sessions: { required: true } }, 'main', ALL_HOOKS);
    const agents = ['claude', 'codex', 'gemini', 'copilot'];
    const trees = agents.map(() => repoAt(makeTemp('worktree')));
    for (const [i, agent] of agents.entries()) await repo.git(['worktree', 'add', '-q', '-b', `${agent}/work`, trees[i].dir]);
    const started = await Promise.all(agents.map((agent, i) => run(trees[i].dir, ['start', '--goal', `${agent} work`, '--tier', '2', '--claim', `src/${agent}`])));
    for (const result of started) expect(result.code, result.stderr).toBe(0);

    const results = await Promise.all(
      agents.map(async (agent, i) => {
        const out: RunResult[] = [];
        for (let n = 0; n < 3; n++) out.push(await commit(trees[i], { [`src/${agent}/${n}.ts`]: `${n}\n` }));
        return out;
      }),
    );
    for (const result of results.flat()) expect(result).toMatchObject({ code: 0, stderr: '' });
    for (const agent of agents) {
      const log = await repo.git(['log', '--format=%(trailers:key=Agent,valueonly)%x00', `${agent}/work`, '^main']);
      expect(log.split('\0').map((s) => s.trim()).filter(Boolean)).toEqual([agent, agent, agent]);
      expect(await repo.git(['ls-tree', '-r', '--name-only', `${agent}/work`, `src/${agent}`])).toBe(
        [0, 1, 2].map((n) => `src/${agent}/${n}.ts\n`).join(''),
      );
    }
    const { stdout } = await run(repo.dir, ['status', '--json']);
    expect(JSON.parse(stdout).sessions.map((s: { agent: string }) => s.agent).sort()).toEqual([...agents].sort());
  });
});
