import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempGitRepo } from './git.fixtures';
import { BlockedError, EnvironmentError } from '../errors';
import { openRepo } from './git';
import { signatureFinding } from '../domain/signatures';
import { commitSignatures, proveSigner, readableSigners } from './signing';


/** A repo with a real SSH key per agent (alice, bob, mallory) and an allowed-signers file listing alice and bob only. */
function signedRepo() {
  const { dir, git } = tempGitRepo('signing');
  const key = (agent: string) => join(dir, '.keys', agent);
  execFileSync('mkdir', ['-p', join(dir, '.keys')]);
  for (const agent of ['alice', 'bob', 'mallory']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', agent, '-f', key(agent)]);
  const line = (agent: string) => `${agent} ${readFileSync(`${key(agent)}.pub`, 'utf8').trim()}`;
  writeFileSync(join(dir, 'allowed_signers'), `${line('alice')}\n${line('bob')}\n`);
  /** Commits with `message`, signed with `signer`'s key unless it is undefined. */
  const commit = (message: string, signer?: string) => {
    const sign = signer ? ['-c', 'gpg.format=ssh', '-c', `user.signingKey=${key(signer)}`, 'commit', '-S'] : ['commit'];
    git(...sign, '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD').trim();
  };
  return { dir, key, commit, signers: join(dir, 'allowed_signers') };
}

describe('commitSignatures and signatureFinding', () => {
  it("pass an Agent: trailer only when that agent's listed key signed the commit", async () => {
    const { dir, commit, signers } = signedRepo();
    const repo = await openRepo(dir);
    const honest = commit('work\n\nAgent: alice', 'alice');
    const forged = commit('bob signs as alice\n\nAgent: alice', 'bob');
    const unsigned = commit('no signature\n\nAgent: alice');
    const stranger = commit('a key nobody listed\n\nAgent: alice', 'mallory');
    const checks = await commitSignatures(repo, signers, [honest, forged, unsigned, stranger]);

    expect(checks.get(honest)).toEqual({ status: 'G', principal: 'alice' });
    expect(signatureFinding('alice', checks.get(honest))).toBeUndefined();
    expect(signatureFinding('alice', checks.get(forged))?.message).toBe('Agent: alice is not backed by alice\'s signature: it is signed by "bob"');
    expect(signatureFinding('alice', checks.get(unsigned))?.message).toContain('the commit is not signed');
    expect(signatureFinding('alice', checks.get(stranger))).toMatchObject({ level: 'block', rule: 'identity' });
    // No trailer claims nothing.
    expect(signatureFinding(undefined, checks.get(unsigned))).toBeUndefined();
  });
});

describe('proveSigner', () => {
  it("lets a store write in alice's name through only with alice's key", async () => {
    const { dir, key } = signedRepo();
    const repo = await openRepo(dir);
    await expect(proveSigner(repo, 'allowed_signers', 'alice', { AGENTSYNC_SIGNING_KEY: key('alice') })).resolves.toBeUndefined();
    await expect(proveSigner(repo, 'allowed_signers', 'alice', { AGENTSYNC_SIGNING_KEY: key('bob') })).rejects.toThrow(
      /Refused to write the store as alice: the key .*bob is not listed for "alice" in allowed_signers/,
    );
    await expect(proveSigner(repo, 'allowed_signers', 'alice', { AGENTSYNC_SIGNING_KEY: key('mallory') })).rejects.toThrow(BlockedError);
    await expect(proveSigner(repo, 'allowed_signers', 'alice', {})).rejects.toThrow(/no signing key/);
  });
});

describe('readableSigners', () => {
  it('resolves a relative path from the repository root and takes an absolute one as it is', async () => {
    const { dir, signers } = signedRepo();
    const repo = await openRepo(dir);
    expect(await readableSigners(repo, 'allowed_signers')).toBe(signers);
    expect(await readableSigners(repo, signers)).toBe(signers);
  });

  it('names identity.allowedSigners in .agentsync.json when the file is missing, instead of blaming the key', async () => {
    const { dir, key } = signedRepo();
    const repo = await openRepo(dir);
    const missing = readableSigners(repo, 'nope/file');
    await expect(missing).rejects.toThrow(EnvironmentError);
    await expect(missing).rejects.toMatchObject({
      message: `identity.allowedSigners in .agentsync.json names nope/file, which does not exist (${join(dir, 'nope/file')}).`,
      where: '.agentsync.json: identity.allowedSigners',
      exitCode: 2,
    });
    await expect(proveSigner(repo, 'nope/file', 'bob', { AGENTSYNC_SIGNING_KEY: key('bob') })).rejects.toThrow(/identity\.allowedSigners in \.agentsync\.json names nope\/file, which does not exist/);
  });
});
