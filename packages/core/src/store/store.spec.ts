import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../errors';
import type { Repo } from '../git/git';
import { emptyState, type Claim, type State } from '../domain/state';
import { serializeState } from './state-files';
import { readState, STATE_REF, updateState } from './store';

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
/** Points the state ref at a new commit whose state.json holds `text` (or at a commit without it), and delta.json `delta`. */
function storeRaw(repo: Repo, text: string | undefined, delta?: string): void {
  const blob = (name: string, content: string | undefined) =>
    content === undefined ? '' : `100644 blob ${gitIn(repo.root, ['hash-object', '-w', '--stdin'], content)}\t${name}\n`;
  const entries = blob('state.json', text) + blob('delta.json', delta);
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
    ['{"version": 0, "sessions": [], "claims": []}', 'does not hold a version 1 or 2 state'],
    ['null', 'does not hold a version 1 or 2 state'],
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

  it('reads a version 1 state.json as a base, writes version 2, and refuses what a newer AgentSync wrote, saying so', async () => {
    const repo = makeRepo();
    storeRaw(repo, JSON.stringify({ version: 1, sessions: [], claims: [claimOf('a')] }, null, 2));
    expect((await readState(repo)).state).toEqual({ version: 1, sessions: [], claims: [claimOf('a')] });
    // Its first write folds: a delta beside a version 1 base would be lost on an AgentSync from before.
    await updateState(repo, { actor: 'b' }, addClaim(claimOf('b')));
    expect(gitIn(repo.root, ['ls-tree', '--name-only', STATE_REF])).toBe('state.json');
    expect(JSON.parse(gitIn(repo.root, ['show', `${STATE_REF}:state.json`])).version).toBe(2);
    // Version 2: an AgentSync from before delta.json refuses it instead of reading the base alone.
    expect(JSON.parse(serializeState(emptyState())).version).toBe(2);
    storeRaw(repo, '{"version": 3, "sessions": [], "claims": []}');
    await expect(readState(repo)).rejects.toThrow(`The coordination store at ${STATE_REF} was written by a newer AgentSync (state.json version 3).`);
  });

  it('reads base and delta alike from loose objects and through git once they are packed', async () => {
    const repo = makeRepo();
    storeRaw(repo, serializeState({ ...emptyState(), claims: [claimOf('a'), claimOf('b')] }));
    await updateState(repo, { actor: 'b' }, (state) => ({ state: { ...state, claims: [state.claims[0], claimOf('c')] }, result: undefined, message: 'swap' }));
    const loose = await readState(repo);
    expect(loose.state.claims.map((c) => c.holder)).toEqual(['a', 'c']);
    expect(loose.layout?.delta.claims).toEqual({ 'b\0src/b': null, 'c\0src/c': claimOf('c') });
    gitIn(repo.root, ['gc', '-q', '--prune=now']);
    expect(await readState(repo)).toEqual(loose);
  });

  it('refuses a corrupt delta with an EnvironmentError naming the ref and delta.json', async () => {
    const repo = makeRepo();
    storeRaw(repo, serializeState(emptyState()), '{"version":1,"set":{}}');
    await expect(readState(repo)).rejects.toThrow(`The coordination store at ${STATE_REF} is corrupt: delta.json does not hold a version 1 delta.`);
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

  it('records a write that changes nothing as a commit with its message', async () => {
    const repo = makeRepo();
    await updateState(repo, { actor: 'a' }, addClaim(claimOf('a')));
    await updateState(repo, { actor: 'a' }, (state) => ({ state, result: undefined, message: 'note: a renews nothing' }));
    expect(gitIn(repo.root, ['log', '--format=%s', STATE_REF])).toBe('note: a renews nothing\nclaim: a');
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
    // Removed by the write, as a removal in the delta: the base keeps it until the next fold.
    expect((await readState(repo)).state.claims.map((c) => c.holder)).toEqual(['new']);
    expect(gitIn(repo.root, ['show', `${STATE_REF}:state.json`])).toContain('"holder":"old"');
  });

  it('rewrites only the delta, and removes expired entries in it, and folds it into a new base once it outgrows the larger of 64 entries and a sixty-fourth of the base', async () => {
    const repo = makeRepo();
    const held = Array.from({ length: 10 }, (_, i) => claimOf(`h${i}`, i === 0 ? '2000-01-01T00:00:00.000Z' : undefined));
    storeRaw(repo, serializeState({ ...emptyState(), claims: held }));
    const base = gitIn(repo.root, ['rev-parse', `${STATE_REF}:state.json`]);
    const files = () => gitIn(repo.root, ['ls-tree', '--name-only', STATE_REF]).split('\n');
    // A small base: the delta may name 64 entries before the next write folds; the first write removes h0, expired.
    for (let i = 0; i < 63; i++) await updateState(repo, { actor: `n${i}` }, addClaim(claimOf(`n${i}`)));
    expect(files()).toEqual(['delta.json', 'state.json']);
    expect(gitIn(repo.root, ['rev-parse', `${STATE_REF}:state.json`])).toBe(base);
    const delta = gitIn(repo.root, ['show', `${STATE_REF}:delta.json`]).split('\n');
    expect(delta.filter((line) => line.startsWith('{"holder"'))).toHaveLength(64);
    expect(delta).toContain('{"holder":"h0","glob":"src/h0"}');
    const before = (await readState(repo)).state.claims;
    expect(before.map((c) => c.holder)).toEqual([...held.slice(1).map((c) => c.holder), ...Array.from({ length: 63 }, (_, i) => `n${i}`)]);

    await updateState(repo, { actor: 'last' }, addClaim(claimOf('last')));
    expect(files()).toEqual(['state.json']);
    const folded = JSON.parse(gitIn(repo.root, ['show', `${STATE_REF}:state.json`])) as State;
    expect(folded.claims.map((c) => c.holder)).toEqual([...before, claimOf('last')].map((c) => c.holder));
    expect((await readState(repo)).state).toEqual({ ...folded, version: 1 });
  });

  it('loses no write when 20 writers race: each retries until its compare-and-swap wins', async () => {
    const repo = makeRepo();
    const holders = Array.from({ length: 20 }, (_, i) => `a${i}`);
    expect(await Promise.all(holders.map((h) => updateState(repo, { actor: h }, addClaim(claimOf(h)))))).toEqual(holders);
    expect((await readState(repo)).state.claims.map((c) => c.holder).sort()).toEqual([...holders].sort());
    expect(gitIn(repo.root, ['rev-list', '--count', STATE_REF])).toBe('20');
  });

  it('rebases a write onto what another writer published under it, computing it again only when it no longer applies', async () => {
    const repo = makeRepo();
    await updateState(repo, { actor: 'a' }, addClaim(claimOf('a')));
    let runs = 0;
    // Another writer moves the ref between this read and the publication: the change still applies on top of it.
    await updateState(repo, { actor: 'b' }, (state) => {
      runs++;
      if (runs === 1) storeRaw(repo, JSON.stringify({ ...emptyState(), claims: [claimOf('x')] }));
      return addClaim(claimOf('b'))(state);
    });
    expect(runs).toBe(1);
    expect((await readState(repo)).state.claims.map((c) => c.holder)).toEqual(['x', 'b']);
    expect(gitIn(repo.root, ['log', '-2', '--format=%an %s', STATE_REF])).toMatch(/^b claim: b\nt raw \d+$/);

    // This time the other writer takes the same path: the change goes back and the second run refuses it.
    const error = await updateState(repo, { actor: 'c' }, (state) => {
      runs++;
      if (state.claims.some((c) => c.glob === 'src/c')) throw new Error('src/c is taken');
      if (runs === 2) storeRaw(repo, JSON.stringify({ ...emptyState(), claims: [{ ...claimOf('y'), glob: 'src/c' }] }));
      return addClaim(claimOf('c'))(state);
    }).catch((caught: unknown) => caught);
    expect(runs).toBe(3);
    expect((error as Error).message).toBe('src/c is taken');
    expect((await readState(repo)).state.claims.map((c) => c.holder)).toEqual(['y']);
  });
});
