import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, globalBin, makeRepo, makeTemp, pathWithoutAgentsync, repoAt, type TestRepo } from './fixture';
import { MERGE_DRIVER_COMMAND } from '@agentsync/core/merge-driver';

/** A repo with the tracker, the merge driver wired to the built CLI, and .gitattributes. */
async function trackerRepo(): Promise<TestRepo> {
  const repo = await makeRepo();
  await repo.run(['init']);
  repo.write('.gitattributes', 'AgentTracker.md merge=agentsync-tracker\n');
  await repo.run(['setup']);
  // The test repo has no node_modules: point the driver at the built CLI.
  await repo.git(['config', 'merge.agentsync-tracker.driver', `"${process.execPath}" "${CLI}" merge-tracker %O %A %B`]);
  await repo.git(['add', '-A']);
  await repo.git(['commit', '-q', '-m', 'tracker']);
  return repo;
}

const tracker = (repo: TestRepo) => readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8');

async function branchWithNotes(repo: TestRepo, branch: string, agent: string, notes: string[], env?: NodeJS.ProcessEnv) {
  await repo.git(['checkout', '-q', '-b', branch, 'main']);
  for (const note of notes) {
    expect((await repo.run(['note', note, '--agent', agent])).code).toBe(0);
    await repo.git(['commit', '-q', '-am', `${agent}: ${note}`], env);
  }
}

describe('agentsync merge-tracker as git merge driver', () => {
  it('registers the driver with setup, idempotently', async () => {
    const repo = await makeRepo();
    expect((await repo.run(['setup'])).code).toBe(0);
    expect((await repo.run(['setup'])).code).toBe(0);
    expect((await repo.git(['config', '--get-all', 'merge.agentsync-tracker.driver'])).trim()).toBe(
      MERGE_DRIVER_COMMAND,
    );
  });

  it('falls back to git\'s line merge where no agentsync is found: a conflict, never a lost entry', async () => {
    const repo = await makeRepo();
    await repo.run(['init']);
    const noAgentsync = { PATH: pathWithoutAgentsync(), HUSKY: '0' };
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '-m', 'tracker'], noAgentsync);
    // init registered the default driver; this repo has no node_modules/.bin/agentsync, nor PATH.
    await branchWithNotes(repo, 'alice/a', 'alice', ['alice only'], noAgentsync);
    await branchWithNotes(repo, 'bob/b', 'bob', ['bob only'], noAgentsync);
    await expect(repo.git(['merge', '-q', '--no-edit', 'alice/a'], noAgentsync)).rejects.toThrow();
    const text = tracker(repo);
    expect(text).toMatch(/^<<<<<<< /m);
    expect(text).toContain('alice only');
    expect(text).toContain('bob only');
  });

  it('the registered driver finds agentsync on PATH (no Node in the repo) and in the main worktree from a fresh one', async () => {
    const repo = await makeRepo();
    const global = { PATH: `${globalBin()}:${pathWithoutAgentsync()}` };
    expect((await repo.run(['init'], { env: global })).code).toBe(0);
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '-m', 'tracker'], global);
    await branchWithNotes(repo, 'alice/a', 'alice', ['alice only'], global);
    await branchWithNotes(repo, 'bob/b', 'bob', ['bob only'], global);
    await repo.git(['merge', '-q', '--no-edit', 'alice/a'], global);
    expect(tracker(repo)).not.toMatch(/^<<<<<<< /m);

    // No global install: the main worktree's node_modules serves a fresh worktree that has none.
    const local = { PATH: pathWithoutAgentsync() };
    repo.write('node_modules/.bin/agentsync', `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(repo.dir, 'node_modules/.bin/agentsync'), 0o755);
    const dir = join(makeTemp('wt'), 'wt');
    await repo.git(['worktree', 'add', '-q', '-b', 'carol/c', dir, 'bob/b']);
    const worktree = repoAt(dir);
    expect((await worktree.run(['note', 'carol only', '--agent', 'carol'])).code).toBe(0);
    await worktree.git(['commit', '-q', '-am', 'carol'], local);
    await worktree.git(['merge', '-q', '--no-edit', 'alice/a'], local);
    expect(tracker(worktree)).not.toMatch(/^<<<<<<< /m);
    expect(tracker(worktree)).toContain('carol only');
  });

  it('merges two branches that both added notes and handoffs, with no conflict and every entry kept', async () => {
    const repo = await trackerRepo();
    await branchWithNotes(repo, 'alice/a', 'alice', ['alice one', 'alice two']);
    await branchWithNotes(repo, 'bob/b', 'bob', ['bob one', 'bob two']);
    await repo.git(['checkout', '-q', 'alice/a']);
    await repo.git(['merge', '-q', '--no-edit', 'bob/b']);
    const merged = tracker(repo);
    for (const note of ['alice one', 'alice two', 'bob one', 'bob two']) expect(merged).toContain(note);
    expect(merged).not.toMatch(/^<<<<<<<|^>>>>>>>/m);
    expect((await repo.run(['status'])).code).toBe(0);
  });

  it('rebases and cherry-picks without conflicts, keeping every entry', async () => {
    const repo = await trackerRepo();
    await branchWithNotes(repo, 'alice/a', 'alice', ['first from alice']);
    await branchWithNotes(repo, 'bob/b', 'bob', ['first from bob', 'second from bob']);
    await repo.git(['rebase', '-q', 'alice/a']);
    let text = tracker(repo);
    for (const note of ['first from alice', 'first from bob', 'second from bob']) expect(text).toContain(note);
    await repo.git(['checkout', '-q', '-b', 'carol/c', 'main']);
    await repo.run(['note', 'carol was here', '--agent', 'carol']);
    await repo.git(['commit', '-q', '-am', 'carol']);
    await repo.git(['cherry-pick', 'alice/a']);
    text = tracker(repo);
    expect(text).toContain('carol was here');
    expect(text).toContain('first from alice');
  });

  it('still shows conflict markers where both sides changed the same prose', async () => {
    const repo = await trackerRepo();
    const original = tracker(repo);
    await repo.git(['checkout', '-q', '-b', 'alice/a', 'main']);
    repo.write('AgentTracker.md', original.replace(/^# .*$/m, '# Tracker edited by alice'));
    await repo.run(['note', 'alice note', '--agent', 'alice']);
    await repo.git(['commit', '-q', '-am', 'alice']);
    await repo.git(['checkout', '-q', '-b', 'bob/b', 'main']);
    repo.write('AgentTracker.md', original.replace(/^# .*$/m, '# Tracker edited by bob'));
    await repo.run(['note', 'bob note', '--agent', 'bob']);
    await repo.git(['commit', '-q', '-am', 'bob']);
    await expect(repo.git(['merge', '-q', '--no-edit', 'alice/a'])).rejects.toThrow();
    const text = tracker(repo);
    expect(text).toMatch(/^<<<<<<< /m);
    expect(text).toContain('edited by alice');
    expect(text).toContain('edited by bob');
    expect(text).toContain('alice note');
    expect(text).toContain('bob note');
  });

  it('says which file is missing when run by hand without the three files, exit 2', async () => {
    const repo = await makeRepo();
    repo.write('ours.md', '# ours\n');
    const r = await repo.run(['merge-tracker', 'base.md', 'ours.md', 'theirs.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('merge-tracker: the BASE file base.md does not exist.');
    expect(r.stderr).not.toMatch(/internal error|ENOENT/);
    expect(readFileSync(join(repo.dir, 'ours.md'), 'utf8')).toBe('# ours\n');
  });
});
