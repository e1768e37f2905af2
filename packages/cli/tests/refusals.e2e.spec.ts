/**
 * Refusals on another agent's claim leave an audit record, whichever door
 * refused: `claim`, `start --claim`, a commit in pre-commit, an agent tool's
 * edit. Nothing is written when nothing is refused, a repeat is recorded once,
 * and a record that cannot be written changes nothing about the refusal.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, run } from './e2e';
import { CLI, git, makeBareRemote, makeRepo, makeTemp, repoAt, runProgram, type TestRepo } from './fixture';

/** Makes `repo`'s pre-commit hook run the built CLI. */
async function installPreCommit(repo: TestRepo): Promise<void> {
  const hooks = makeTemp('hooks');
  writeFileSync(join(hooks, 'pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" hook pre-commit\n`, { mode: 0o755 });
  await repo.git(['config', 'core.hooksPath', hooks]);
}

/** A repository whose pre-commit hook runs the built CLI, with alice holding src/**. */
async function contended(config: object = {}): Promise<TestRepo> {
  const repo = await makeRepo({ config });
  await installPreCommit(repo);
  expect((await repo.run(['claim', 'src/**', '--agent', 'alice'])).code).toBe(0);
  return repo;
}

/** The subjects of the audit records on `ref`, newest first. */
async function subjects(repo: TestRepo, ref = 'refs/agentsync/audit'): Promise<string[]> {
  return (await repo.git(['log', '--ignore-missing', '--format=%an: %s', ref, '--'])).split('\n').filter(Boolean);
}

/** The JSON line of the newest refusal on `ref`. */
async function newest(repo: TestRepo, ref = 'refs/agentsync/audit') {
  const body = (await repo.git(['log', '-1', '--format=%B', ref])).trim();
  return JSON.parse(body.slice(body.lastIndexOf('\n') + 1));
}

const commitAs = (repo: TestRepo, agent: string, file: string) => {
  repo.write(file, `${agent}\n`);
  return repo.git(['add', '--', file]).then(() => runProgram('git', ['commit', '-q', '-m', `${agent} edits ${file}`], { cwd: repo.dir, env: { AGENTSYNC_AGENT: agent } }));
};

/** The agent-edit hook of Claude Code on `file` of `repo`. */
const claudeEdit = (repo: TestRepo, file: string) =>
  run(repo.dir, ['hook', 'agent-edit', '--tool', 'claude'], {
    input: JSON.stringify({ session_id: '91b8b624-2f67-46ce-8c6a-4c6e5ddb9621', cwd: repo.dir, hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: join(repo.dir, file), content: 'x' } }),
  });

/** Times shown to people move on between two runs: the text without them. */
const timeless = (text: string) => text.replace(/expires in [^,)]*/g, 'expires in …');

describe('refusals are audited', () => {
  it('a refused claim leaves one record naming who, what, whose and when; its retries in a loop add none', async () => {
    const repo = await contended();
    const before = Date.now();
    const refused = await run(repo.dir, ['claim', 'src/a.ts', '--agent', 'bob']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('src/a.ts is claimed by alice (src/**');
    expect(await subjects(repo)).toEqual(['bob: refusal: bob refused claim of src/a.ts (held by alice)']);
    const record = await newest(repo);
    expect(record).toMatchObject({ kind: 'claim', agent: 'bob', conflicts: [{ requested: 'src/a.ts', holder: 'alice', glob: 'src/**', expiresAt: expect.any(String) }] });
    expect(Date.parse(record.at)).toBeGreaterThanOrEqual(before - 1000);
    for (let i = 0; i < 4; i++) expect((await run(repo.dir, ['claim', 'src/a.ts', '--agent', 'bob'])).stderr).toBe(refused.stderr);
    expect(await subjects(repo)).toHaveLength(1);
    // The report reads it back.
    const { coordination } = json(await run(repo.dir, ['report', '--json']));
    expect(coordination.refusals).toEqual({ count: 1, claim: 1, commit: 0, edit: 0 });
    expect(coordination.waits).toEqual({ count: 0, open: 1, medianMinutes: null, p95Minutes: null });
  });

  it('a start whose claims are refused is recorded as a claim refusal', async () => {
    const repo = await contended();
    const started = await run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--claim', 'src/**', '--agent', 'bob']);
    expect(started.code).toBe(1);
    expect(await subjects(repo)).toEqual(['bob: refusal: bob refused claim of src/** (held by alice)']);
  });

  it("a commit blocked on another agent's claim is recorded; a commit that passes and a granted claim write nothing", async () => {
    const repo = await contended();
    expect((await commitAs(repo, 'bob', 'docs/free.md')).code).toBe(0);
    expect((await repo.run(['claim', 'lib/**', '--agent', 'bob'])).code).toBe(0);
    expect(await repo.git(['for-each-ref', 'refs/agentsync/audit', 'refs/agentsync/audit-offline'])).toBe('');
    const blocked = await commitAs(repo, 'bob', 'src/a.ts');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('src/a.ts is claimed by alice');
    expect(await subjects(repo)).toEqual(['bob: refusal: bob refused commit of src/a.ts (held by alice)']);
    expect(await newest(repo)).toMatchObject({ kind: 'commit', agent: 'bob', conflicts: [{ requested: 'src/a.ts', holder: 'alice', glob: 'src/**' }] });
    // verify lists skips, not refusals, though both are on the audit ref.
    const verified = await run(repo.dir, ['verify', '--range', 'HEAD~1..HEAD']);
    expect(verified.stdout).not.toContain('refusal');
  });

  it("an agent tool's refused edit is recorded under the instance's id; an allowed edit writes nothing", async () => {
    const repo = await contended();
    const allowed = await claudeEdit(repo, 'docs/free.md');
    expect(allowed).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await subjects(repo)).toEqual([]);
    const refused = await claudeEdit(repo, 'src/a.ts');
    expect(JSON.parse(refused.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'deny' });
    expect(await subjects(repo)).toEqual(['claude-91b8b624: refusal: claude-91b8b624 refused edit of src/a.ts (held by alice)']);
  });
});

/** Two clones of a coordination remote: alice holds src/** through `one`; `two` has fetched that. */
async function twoClones(): Promise<{ remote: string; one: TestRepo; two: TestRepo }> {
  const remote = await makeBareRemote();
  const seed = repoAt(makeTemp('seed'));
  await seed.git(['init', '-q', '-b', 'main']);
  seed.write('.agentsync.json', `${JSON.stringify({ coordination: { remote: 'origin', freshness: '30s' } })}\n`);
  await seed.git(['add', '-A']);
  await seed.git(['commit', '-q', '-m', 'config']);
  await seed.git(['push', '-q', remote, 'main']);
  const [one, two] = [repoAt(makeTemp('clone')), repoAt(makeTemp('clone'))];
  for (const clone of [one, two]) await git(clone.dir, ['clone', '-q', remote, '.']);
  expect((await one.run(['claim', 'src/**', '--agent', 'alice'])).code).toBe(0);
  expect((await two.run(['status'])).code).toBe(0);
  return { remote, one, two };
}

/** A transport that never answers: git runs it and waits for the host to speak. */
const HANGING_URL = 'ext::sleep 30';

/** Lets git in `repo` run ext:: transports, these tests' hosts that are slow. */
const allowExt = (repo: TestRepo) => repo.git(['config', 'protocol.ext.allow', 'always']);

describe('refusals through an unreachable coordination remote', () => {
  it('still exit 1 with the same message, recorded in audit-offline, or not at all when even that fails', async () => {
    const { two } = await twoClones();
    await two.git(['remote', 'set-url', 'origin', '/nonexistent/agentsync-remote.git']);

    const start = (agent: string) => run(two.dir, ['start', '--goal', 'g', '--tier', '1', '--claim', 'src/a.ts', '--agent', agent]);
    const recorded = await start('bob');
    expect(recorded.code).toBe(1);
    expect(recorded.stderr).toContain('src/a.ts is claimed by alice');
    expect(await subjects(two, 'refs/agentsync/audit-offline')).toEqual(['bob: refusal: bob refused claim of src/a.ts (held by alice)']);
    expect(await subjects(two)).toEqual([]);

    // A stale lock on the offline ref: the record cannot be written, and the refusal is the same.
    writeFileSync(join(two.dir, '.git/refs/agentsync/audit-offline.lock'), '');
    const unrecorded = await start('carol');
    expect(unrecorded.code).toBe(1);
    expect(timeless(unrecorded.stderr)).toBe(timeless(recorded.stderr));
    expect(unrecorded.stdout).toBe(recorded.stdout);
    expect(await subjects(two, 'refs/agentsync/audit-offline')).toHaveLength(1);
  });

  // An agent tool's hook has 30 s, after which some tools let the edit through: without a bound, each
  // network call of the record could take 20 s. The test's timeout stands for the tool's.
  it("a host that takes fetches but never a push: an edit and a commit are refused at once, recorded in audit-offline", { timeout: 15_000 }, async () => {
    const { two } = await twoClones();
    await allowExt(two);
    await two.git(['config', 'remote.origin.pushurl', HANGING_URL]);
    const refused = await claudeEdit(two, 'src/a.ts');
    expect(JSON.parse(refused.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'deny', permissionDecisionReason: expect.stringContaining('src/a.ts is claimed by alice') });
    await installPreCommit(two);
    expect((await commitAs(two, 'bob', 'src/b.ts')).code).toBe(1);
    expect(await subjects(two, 'refs/agentsync/audit-offline')).toEqual([
      'bob: refusal: bob refused commit of src/b.ts (held by alice)',
      'claude-91b8b624: refusal: claude-91b8b624 refused edit of src/a.ts (held by alice)',
    ]);
  });

  it('a host that just failed to answer is not asked again to confirm an edit\'s refusal', { timeout: 15_000 }, async () => {
    const { two } = await twoClones();
    await two.git(['remote', 'set-url', 'origin', '/nonexistent/agentsync-remote.git']);
    // A write asks the host at once: its failure is remembered for the freshness window.
    expect((await two.run(['claim', 'docs/**', '--agent', 'carol'])).code).toBe(2);
    await allowExt(two);
    await two.git(['remote', 'set-url', 'origin', HANGING_URL]);
    const refused = await claudeEdit(two, 'src/a.ts');
    expect(JSON.parse(refused.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'deny' });
    expect(await subjects(two, 'refs/agentsync/audit-offline')).toEqual(['claude-91b8b624: refusal: claude-91b8b624 refused edit of src/a.ts (held by alice)']);
  });

  it('a refusal on a state just fetched is not confirmed by a second fetch', { timeout: 15_000 }, async () => {
    const { remote, two } = await twoClones();
    // An ext:: transport that serves the first request and hangs on every later one.
    const script = join(makeTemp('transport'), 'once.sh');
    writeFileSync(script, '#!/bin/sh\nif [ -e "$0.served" ]; then exec sleep 30; fi\ntouch "$0.served"\nexec git "$1" "$2"\n', { mode: 0o755 });
    await allowExt(two);
    await two.git(['remote', 'set-url', 'origin', `ext::${script} %s ${remote}`]);
    // The last fetch older than the freshness window: the edit's check fetches first.
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(two.dir, '.git/agentsync/fetched-origin'), old, old);
    const refused = await claudeEdit(two, 'src/a.ts');
    expect(JSON.parse(refused.stdout).hookSpecificOutput).toMatchObject({ permissionDecision: 'deny' });
    expect(await subjects(two, 'refs/agentsync/audit-offline')).toEqual(['claude-91b8b624: refusal: claude-91b8b624 refused edit of src/a.ts (held by alice)']);
  });
});
