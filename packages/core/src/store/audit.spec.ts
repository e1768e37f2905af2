/**
 * Recording refusals in real repositories, with a real bare repository as
 * the coordination remote: where each record goes, the de-duplication of
 * repeats, and that recording never throws.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema';
import { removedAfterAll, tempGitRepo, TEST_GIT_ENV } from '../git/git.fixtures';
import type { Repo } from '../git/git';
import { parseRefusalRecord, type Refusal } from './audit-records';
import { recordRefusal, REFUSAL_REPEAT_MS } from './audit';
import { refreshRef, remoteOptions } from './remote';
import { AUDIT_REF, OFFLINE_AUDIT_REF } from './store';

const local = configSchema.parse({});
const withRemote = configSchema.parse({ coordination: { remote: 'origin' } });
const T = Date.parse('2026-12-04T21:30:00.000Z');
const refusal = (over: Partial<Refusal> = {}): Refusal => ({
  kind: 'claim',
  agent: 'bob',
  at: new Date(T).toISOString(),
  conflicts: [{ requested: 'src/a.ts', holder: 'alice', glob: 'src/**', expiresAt: new Date(T + 3_600_000).toISOString() }],
  ...over,
});

/** A transport that never answers: git runs it and waits for the host to speak. */
const HANGING = 'ext::sleep 30';

function repoWith(remote?: 'bare' | 'unreachable' | 'hangs on push' | 'hangs') {
  const made = tempGitRepo('audit');
  const repo: Repo = { root: made.dir, gitDir: `${made.dir}/.git`, commonDir: `${made.dir}/.git` };
  let bare: string | undefined;
  if (remote === 'bare' || remote === 'hangs on push') {
    bare = removedAfterAll(tempGitRepo('audit-remote', ['--bare']).dir);
    made.git('remote', 'add', 'origin', bare);
  }
  if (remote === 'hangs on push' || remote === 'hangs') made.git('config', 'protocol.ext.allow', 'always');
  if (remote === 'hangs on push') made.git('config', 'remote.origin.pushurl', HANGING);
  if (remote === 'hangs') made.git('remote', 'add', 'origin', HANGING);
  if (remote === 'unreachable') made.git('remote', 'add', 'origin', '/nonexistent/agentsync-remote.git');
  /** The refusals on `ref` of the clone (or, with `at`, of another repository), newest first. */
  const records = (ref: string, at = made.dir) => {
    const out = execFileSync('git', ['log', '--ignore-missing', '--format=%an%x1f%B%x1e', ref, '--'], { cwd: at, env: TEST_GIT_ENV, encoding: 'utf8' });
    return out.split('\x1e').map((r) => r.trim()).filter(Boolean).map((r) => ({ author: r.split('\x1f')[0], refusal: parseRefusalRecord(r.split('\x1f')[1]) }));
  };
  return { repo, bare: bare as string, records };
}

describe('recordRefusal', () => {
  it('appends one parseable record, authored by the refused agent, to the audit ref of a clone without a remote', async () => {
    const { repo, records } = repoWith();
    await recordRefusal(repo, local, refusal());
    expect(records(AUDIT_REF)).toEqual([{ author: 'bob', refusal: refusal() }]);
  });

  it('records the same refusal once within the repeat window, and again after it or when anything differs', async () => {
    const { repo, records } = repoWith();
    await recordRefusal(repo, local, refusal());
    for (let i = 1; i <= 5; i++) await recordRefusal(repo, local, refusal({ at: new Date(T + i * 1000).toISOString() }));
    expect(records(AUDIT_REF)).toHaveLength(1);
    await recordRefusal(repo, local, refusal({ kind: 'edit', at: new Date(T + 6000).toISOString() }));
    await recordRefusal(repo, local, refusal({ agent: 'eve', at: new Date(T + 7000).toISOString() }));
    await recordRefusal(repo, local, refusal({ conflicts: [{ ...refusal().conflicts[0], holder: 'codex' }], at: new Date(T + 8000).toISOString() }));
    await recordRefusal(repo, local, refusal({ at: new Date(T + REFUSAL_REPEAT_MS).toISOString() }));
    expect(records(AUDIT_REF).map((r) => [r.refusal?.kind, r.refusal?.agent, r.refusal?.conflicts[0].holder, r.refusal?.at])).toEqual([
      ['claim', 'bob', 'alice', new Date(T + REFUSAL_REPEAT_MS).toISOString()],
      ['claim', 'bob', 'codex', new Date(T + 8000).toISOString()],
      ['claim', 'eve', 'alice', new Date(T + 7000).toISOString()],
      ['edit', 'bob', 'alice', new Date(T + 6000).toISOString()],
      ['claim', 'bob', 'alice', new Date(T).toISOString()],
    ]);
  });

  it('publishes the record through the coordination remote, where every clone and CI sees it', async () => {
    const { repo, bare, records } = repoWith('bare');
    await recordRefusal(repo, withRemote, refusal());
    expect(records(AUDIT_REF, bare)).toEqual([{ author: 'bob', refusal: refusal() }]);
    expect(records(OFFLINE_AUDIT_REF)).toEqual([]);
  });

  it('keeps the record in audit-offline when the remote is unreachable, apart from the fetched audit ref', async () => {
    const { repo, records } = repoWith('unreachable');
    await recordRefusal(repo, withRemote, refusal());
    expect(records(OFFLINE_AUDIT_REF)).toEqual([{ author: 'bob', refusal: refusal() }]);
    expect(records(AUDIT_REF)).toEqual([]);
    // A repeat is seen in audit-offline too.
    await recordRefusal(repo, withRemote, refusal({ at: new Date(T + 1000).toISOString() }));
    expect(records(OFFLINE_AUDIT_REF)).toHaveLength(1);
  });

  // Without the deadline each of these waits for the 20 s network timeout, then for the transport left behind.
  it('gives a host that does not take the push a short deadline, then keeps the record in audit-offline', { timeout: 10_000 }, async () => {
    const { repo, bare, records } = repoWith('hangs on push');
    await recordRefusal(repo, withRemote, refusal());
    expect(records(OFFLINE_AUDIT_REF)).toEqual([{ author: 'bob', refusal: refusal() }]);
    expect(records(AUDIT_REF, bare)).toEqual([]);
  });

  it('gives a host that does not answer a fetch the same deadline, and does not remember it as down for it', { timeout: 10_000 }, async () => {
    const { repo, records } = repoWith('hangs');
    await recordRefusal(repo, withRemote, refusal());
    expect(records(OFFLINE_AUDIT_REF)).toEqual([{ author: 'bob', refusal: refusal() }]);
    // The next hook asks the host again: being cut short is not being unreachable.
    const remote = removedAfterAll(tempGitRepo('audit-remote', ['--bare']).dir);
    execFileSync('git', ['remote', 'set-url', 'origin', remote], { cwd: repo.root, env: TEST_GIT_ENV });
    await expect(refreshRef(repo, remoteOptions(withRemote)!, AUDIT_REF)).resolves.toBe(true);
  });

  it('never throws: a refusal stands whether or not it could be recorded', async () => {
    const gone: Repo = { root: '/nonexistent/agentsync-repo', gitDir: '/nonexistent/agentsync-repo/.git', commonDir: '/nonexistent/agentsync-repo/.git' };
    await expect(recordRefusal(gone, withRemote, refusal())).resolves.toBeUndefined();
  });

  it('writes nothing for a refusal without conflicts', async () => {
    const { repo, records } = repoWith();
    await recordRefusal(repo, local, refusal({ conflicts: [] }));
    expect(records(AUDIT_REF)).toEqual([]);
  });
});
