/**
 * Signed identities (identity.allowedSigners) tried as an attacker would: a
 * forged `Agent: alice` trailer on alice's claim, a commit signed with the wrong
 * key, an allowed-signers file rewritten in the range itself, and store writes
 * in another agent's name. Real SSH keys from ssh-keygen, real git signing.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeBareRemote, makeRepo, makeTemp, runProgram, type TestRepo } from './fixture';
import { run, stateWrites } from './e2e';

const SIGNERS = '.agentsync/allowed_signers';

/** A key per agent, outside the repository, and the allowed-signers lines of the listed ones. */
function makeKeys(listed: string[], unlisted: string[] = []) {
  const dir = makeTemp('keys');
  const key = (agent: string) => join(dir, agent);
  for (const agent of [...listed, ...unlisted]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', agent, '-f', key(agent)]);
  const line = (agent: string) => `${agent} ${readFileSync(`${key(agent)}.pub`, 'utf8').trim()}\n`;
  return { key, line, file: listed.map(line).join('') };
}

/** A repo whose config names the allowed-signers file, committed, with every agent's key made. */
async function signedRepo(): Promise<{ repo: TestRepo; key: (agent: string) => string; line: (agent: string) => string; base: string }> {
  const keys = makeKeys(['alice', 'bob'], ['mallory']);
  const repo = await makeRepo({ config: { identity: { allowedSigners: SIGNERS } } });
  repo.write(SIGNERS, keys.file);
  await repo.git(['add', '-A']);
  await repo.git(['commit', '-q', '-m', 'allowed signers']);
  return { repo, key: keys.key, line: keys.line, base: (await repo.git(['rev-parse', 'HEAD'])).trim() };
}

/** Commits `files` with --no-verify, signed with `signer`'s key unless undefined. */
async function commitAs(repo: TestRepo, files: Record<string, string>, message: string, signer?: string) {
  for (const [path, content] of Object.entries(files)) repo.write(path, content);
  await repo.git(['add', '-A']);
  const sign = signer ? ['-c', 'gpg.format=ssh', '-c', `user.signingKey=${signer}`, 'commit', '-S'] : ['commit'];
  // Dated after the claim: claims are stored to the second.
  await repo.git([...sign, '-q', '--no-verify', '-m', message], { GIT_COMMITTER_DATE: `${Math.floor(Date.now() / 1000) + 2} +0000` });
}

describe('signed identities: verify', () => {
  it("fails a forged Agent: alice on alice's claim, unsigned or signed by bob, and passes alice's own signed commit", async () => {
    const { repo, key, base } = await signedRepo();
    expect((await run(repo.dir, ['claim', 'src/api/**', '--agent', 'alice'], { env: { AGENTSYNC_SIGNING_KEY: key('alice') } })).code).toBe(0);

    await commitAs(repo, { 'src/api/own.ts': 'alice\n' }, 'alice works\n\nAgent: alice', key('alice'));
    const own = await run(repo.dir, ['verify', '--range', `${base}..HEAD`]);
    expect(own.code, own.stdout + own.stderr).toBe(0);

    await commitAs(repo, { 'src/api/forged.ts': 'bob\n' }, 'bob hides behind alice\n\nAgent: alice');
    const unsigned = await run(repo.dir, ['verify', '--range', 'HEAD~1..HEAD']);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toContain("Agent: alice is not backed by alice's signature: the commit is not signed");

    await repo.git(['reset', '-q', '--hard', 'HEAD~1']);
    await commitAs(repo, { 'src/api/forged.ts': 'bob\n' }, 'bob signs as alice\n\nAgent: alice', key('bob'));
    const wrongKey = await run(repo.dir, ['verify', '--range', 'HEAD~1..HEAD']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toContain('it is signed by "bob"');
  });

  it('reads the allowed signers from the base of the range: adding your key as alice in the range proves nothing', async () => {
    const { repo, key, line, base } = await signedRepo();
    expect((await run(repo.dir, ['claim', 'src/api/**', '--agent', 'alice'], { env: { AGENTSYNC_SIGNING_KEY: key('alice') } })).code).toBe(0);
    const forgedLine = line('mallory').replace(/^mallory/, 'alice');
    await commitAs(repo, { [SIGNERS]: `${readFileSync(join(repo.dir, SIGNERS), 'utf8')}${forgedLine}`, 'src/api/x.ts': 'x\n' }, 'me too\n\nAgent: alice', key('mallory'));
    const result = await run(repo.dir, ['verify', '--range', `${base}..HEAD`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("Agent: alice is not backed by alice's signature");

    // Nor does dropping identity.allowedSigners from the branch's own config.
    await repo.git(['reset', '-q', '--hard', base]);
    await commitAs(repo, { '.agentsync.json': '{}\n', 'src/api/y.ts': 'y\n' }, 'no more signing\n\nAgent: alice', key('mallory'));
    const unset = await run(repo.dir, ['verify', '--range', `${base}..HEAD`]);
    expect(unset.code).toBe(1);
    expect(unset.stdout).toContain("Agent: alice is not backed by alice's signature");
  });
});

describe('signed identities: pre-push', () => {
  it("blocks pushing a forged Agent: alice onto alice's claim, and lets alice's signed commit through", async () => {
    const { repo, key } = await signedRepo();
    const hooks = makeTemp('githooks');
    writeFileSync(join(hooks, 'pre-push'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" hook pre-push "$@"\n`, { mode: 0o755 });
    await repo.git(['config', 'core.hooksPath', hooks]);
    const remote = await makeBareRemote();
    await repo.git(['remote', 'add', 'origin', remote]);
    await repo.git(['push', '-q', 'origin', 'main']);
    expect((await run(repo.dir, ['claim', 'src/api/**', '--agent', 'alice'], { env: { AGENTSYNC_SIGNING_KEY: key('alice') } })).code).toBe(0);

    await commitAs(repo, { 'src/api/forged.ts': 'bob\n' }, 'bob hides behind alice\n\nAgent: alice', key('bob'));
    const blocked = await runProgram('git', ['push', '-q', 'origin', 'main'], { cwd: repo.dir, env: { AGENTSYNC_AGENT: 'bob' } });
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('Agent: alice is not backed by alice\'s signature: it is signed by "bob"');

    await repo.git(['reset', '-q', '--hard', 'HEAD~1']);
    await commitAs(repo, { 'src/api/own.ts': 'alice\n' }, 'alice works\n\nAgent: alice', key('alice'));
    const pushed = await runProgram('git', ['push', '-q', 'origin', 'main'], { cwd: repo.dir, env: { AGENTSYNC_AGENT: 'alice' } });
    expect(pushed).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('signed identities: store writes', () => {
  it("refuses a claim, a session or a release in alice's name without alice's key, writing nothing", async () => {
    const { repo, key } = await signedRepo();
    const asBob = { env: { AGENTSYNC_SIGNING_KEY: key('bob') } };
    for (const args of [
      ['claim', 'src/**', '--agent', 'alice'],
      ['start', '--goal', 'g', '--tier', '1', '--agent', 'alice'],
      ['release', '--all', '--agent', 'alice'],
    ]) {
      const refused = await run(repo.dir, args, asBob);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toContain(`Refused to write the store as alice: the key ${key('bob')} is not listed for "alice" in ${SIGNERS}.`);
    }
    const noKey = await run(repo.dir, ['claim', 'src/**', '--agent', 'alice']);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('no signing key');
    expect(await stateWrites(repo.dir)).toBe(0);

    expect((await run(repo.dir, ['claim', 'src/**', '--agent', 'bob'], asBob)).code).toBe(0);
    expect(await stateWrites(repo.dir)).toBe(1);
  });
});

describe('signed identities: a missing allowed-signers file', () => {
  it('is a located exit-2 error naming identity.allowedSigners, for store writes and verify alike, not a bad key or signature', async () => {
    const { key } = makeKeys(['bob']);
    const repo = await makeRepo({ config: { identity: { allowedSigners: 'nope/file' } } });
    await commitAs(repo, { 'src/x.ts': 'x\n' }, 'bob works\n\nAgent: bob', key('bob'));
    const missing = /identity\.allowedSigners in \.agentsync\.json names nope\/file, which does not exist \(.*nope\/file\)\./;
    for (const args of [['claim', 'src/**', '--agent', 'bob'], ['verify', '--range', 'HEAD~1..HEAD']]) {
      const result = await run(repo.dir, args, { env: { AGENTSYNC_SIGNING_KEY: key('bob') } });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(missing);
      expect(result.stderr).not.toContain('not listed');
    }
    expect(await stateWrites(repo.dir)).toBe(0);
  });
});
