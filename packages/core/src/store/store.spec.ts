import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../errors';
import type { Repo } from '../git/git';
import { emptyState, type Claim, type State } from '../domain/state';
import { readState, STATE_REF, updateState } from './store';

// The store runs git with process.env: variables a hook or CI sets (GIT_DIR, GIT_INDEX_FILE…) would point it elsewhere.
beforeAll(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('GIT_')) delete process.env[key];
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const gitIn = (cwd: string, args: string[], input?: string) =>
  execFileSync('git', args, { cwd, input, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } }).trim();

function makeRepo(): Repo {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-store-')));
  dirs.push(root);
  gitIn(root, ['init', '-q', '-b', 'main']);
  return { root, gitDir: join(root, '.git'), commonDir: join(root, '.git') };
}

let rawWrites = 0;
/** Points the state ref at a new commit whose state.json holds `text` (or at a commit without it). */
function storeRaw(repo: Repo, text: string | undefined): void {
  const entries = text === undefined ? '' : `100644 blob ${gitIn(repo.root, ['hash-object', '-w', '--stdin'], text)}\tstate.json\n`;
  const tree = gitIn(repo.root, ['mktree'], entries);
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  const commit = execFileSync('git', ['commit-tree', tree, '-m', `raw ${++rawWrites}`], { cwd: repo.root, encoding: 'utf8', env: { ...process.env, ...env } }).trim();
  gitIn(repo.root, ['update-ref', STATE_REF, commit]);
}

const claimOf = (holder: string, expiresAt = '2999-01-01T00:00:00.000Z'): Claim => ({
  holder,
  glob: `src/${holder}`,
  mode: 'exclusive',
  createdAt: '2026-01-01T00:00:00.000Z',
  expiresAt,
});

const addClaim = (claim: Claim) => (state: State) => ({
  state: { ...state, claims: [...state.claims, claim] },
  result: claim.holder,
  message: `claim: ${claim.holder}`,
});

describe('readState', () => {
  it('reads an absent ref as the empty state, with no commit', async () => {
    expect(await readState(makeRepo())).toEqual({ state: emptyState() });
  });

  it('reads back what updateState wrote, non-ASCII included', async () => {
    const repo = makeRepo();
    const claim = { ...claimOf('alice'), glob: 'ünï/日本 "q".ts' };
    await updateState(repo, { actor: 'alice' }, addClaim(claim));
    const snapshot = await readState(repo);
    expect(snapshot.state.claims).toEqual([claim]);
    expect(snapshot.commit).toBe(gitIn(repo.root, ['rev-parse', STATE_REF]));
    expect(gitIn(repo.root, ['log', '--format=%an <%ae> %s', STATE_REF])).toBe('alice <alice@agentsync.invalid> claim: alice');
  });

  it.each([
    ['{"version": 1, "claims": [', 'is not valid JSON'],
    ['{"version": 2, "sessions": [], "claims": []}', 'does not hold a version 1 state'],
    ['null', 'does not hold a version 1 state'],
    [undefined, 'state.json is missing from the commit'],
  ])('refuses a corrupt state %j with an EnvironmentError naming the ref', async (text, why) => {
    const repo = makeRepo();
    storeRaw(repo, text);
    const error = await readState(repo).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as EnvironmentError).message).toBe(`The coordination store at ${STATE_REF} is corrupt: ${why.startsWith('state.json') ? why : `state.json ${why}`}.`);
    expect((error as EnvironmentError).where).toBe(STATE_REF);
    await expect(updateState(repo, { actor: 'a' }, addClaim(claimOf('a')))).rejects.toBeInstanceOf(EnvironmentError);
  });
});

describe('updateState', () => {
  it('writes nothing when the mutation returns no state, and nothing when it throws', async () => {
    const repo = makeRepo();
    expect(await updateState(repo, { actor: 'a' }, () => ({ result: 42, message: 'nothing' }))).toBe(42);
    await expect(
      updateState(repo, { actor: 'a' }, () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await readState(repo)).toEqual({ state: emptyState() });
  });

  it('hands the mutation a state with expired entries pruned', async () => {
    const repo = makeRepo();
    await updateState(repo, { actor: 'a' }, addClaim(claimOf('old', '2000-01-01T00:00:00.000Z')));
    let seen: State | undefined;
    await updateState(repo, { actor: 'b' }, (state) => {
      seen = state;
      return addClaim(claimOf('new'))(state);
    });
    expect(seen?.claims).toEqual([]);
    expect((await readState(repo)).state.claims.map((c) => c.holder)).toEqual(['new']);
  });

  it('loses no write when 20 writers race: each retries until its compare-and-swap wins', async () => {
    const repo = makeRepo();
    const holders = Array.from({ length: 20 }, (_, i) => `a${i}`);
    expect(await Promise.all(holders.map((h) => updateState(repo, { actor: h }, addClaim(claimOf(h)))))).toEqual(holders);
    expect((await readState(repo)).state.claims.map((c) => c.holder).sort()).toEqual([...holders].sort());
    expect(gitIn(repo.root, ['rev-list', '--count', STATE_REF])).toBe('20');
  });

  it('gives up with an EnvironmentError when another writer wins every attempt', async () => {
    const repo = makeRepo();
    await updateState(repo, { actor: 'a' }, addClaim(claimOf('a')));
    const error = await updateState(repo, { actor: 'b', attempts: 2 }, (state) => {
      // Another writer moves the ref between this read and the compare-and-swap.
      storeRaw(repo, JSON.stringify(emptyState()));
      return addClaim(claimOf('b'))(state);
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe(`Could not update ${STATE_REF}: other writers won 2 times in a row.`);
  });
});
