/**
 * Signed identities (opt-in, `identity.allowedSigners`): an agent id backed by
 * an SSH key in a file of git's allowed-signers format (principal = agent id),
 * checked exactly as git checks SSH commit signatures (gpg.format=ssh,
 * gpg.ssh.allowedSignersFile, `ssh-keygen -Y`). Without it an identity is a
 * name that anyone can write (docs/signing.md).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CONFIG_FILE } from '../config/constants';
import { BlockedError, EnvironmentError } from '../errors';
import { git, tryGit, type Repo } from './git';
import { LOG_FIELD, LOG_RECORD, logRecords } from './log';
import type { SignatureCheck } from '../domain/signatures';

/** `-c` options that make git check signatures against the allowed-signers file, as a user would configure it. */
function signersConfig(signersFile: string): string[] {
  return ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${signersFile}`];
}

/** Each commit's signature as checked against `signersFile`, in one git call (git runs ssh-keygen per signed commit). */
export async function commitSignatures(repo: Repo, signersFile: string, commits: readonly string[]): Promise<Map<string, SignatureCheck>> {
  const checks = new Map<string, SignatureCheck>();
  if (commits.length === 0) return checks;
  const format = `--format=%H${LOG_FIELD}%G?${LOG_FIELD}%GS${LOG_RECORD}`;
  const out = await git([...signersConfig(signersFile), 'log', '--no-walk=unsorted', '--stdin', format], { cwd: repo.root, input: `${commits.join('\n')}\n` });
  for (const [sha, status, principal] of logRecords(out)) checks.set(sha, { status, ...(principal ? { principal } : {}) });
  return checks;
}

/** The allowed-signers file named by the config, as an absolute path. */
export function signersPath(repo: Repo, allowedSigners: string): string {
  return isAbsolute(allowedSigners) ? allowedSigners : join(repo.root, allowedSigners);
}

/**
 * signersPath, once the file is known to be readable: git and ssh-keygen take a
 * missing file for one that lists nobody, so every signature would look bad.
 */
export async function readableSigners(repo: Repo, allowedSigners: string): Promise<string> {
  const file = signersPath(repo, allowedSigners);
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new EnvironmentError(`identity.allowedSigners in ${CONFIG_FILE} names ${allowedSigners}, which ${why} (${file}).`, {
      where: `${CONFIG_FILE}: identity.allowedSigners`,
      hint: `Create the allowed-signers file there (one "agent-id ssh-ed25519 AAAA..." line per agent; see docs/signing.md), or point identity.allowedSigners in ${CONFIG_FILE} at it.`,
    });
  }
  return file;
}

/** The key this process signs with: `AGENTSYNC_SIGNING_KEY`, else git's `user.signingKey` (a path, or `key::` and a public key in ssh-agent). */
async function signingKey(repo: Repo, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const key = env.AGENTSYNC_SIGNING_KEY?.trim() || (await tryGit(['config', '--get', 'user.signingKey'], { cwd: repo.root }))?.trim();
  return key?.startsWith('~/') ? join(homedir(), key.slice(2)) : key || undefined;
}

function sshKeygen(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile('ssh-keygen', args, { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new EnvironmentError('ssh-keygen was not found on PATH; identity.allowedSigners needs it.', { hint: 'Install OpenSSH 8.2 or newer.' }));
        return;
      }
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

/**
 * Refuses a store write in `actor`'s name unless this process holds the key the
 * allowed-signers file lists for `actor`: it signs a fresh challenge and has
 * ssh-keygen verify it for that principal, as git verifies a commit.
 */
export async function proveSigner(repo: Repo, allowedSigners: string, actor: string, env: NodeJS.ProcessEnv): Promise<void> {
  const file = await readableSigners(repo, allowedSigners);
  const hint = `Set AGENTSYNC_SIGNING_KEY (or git config user.signingKey) to ${actor}'s private key, listed for "${actor}" in ${allowedSigners}; see docs/signing.md.`;
  const key = await signingKey(repo, env);
  if (!key) throw new BlockedError(`Refused to write the store as ${actor}: no signing key, and identity.allowedSigners is set.`, { where: actor, hint });
  const dir = await mkdtemp(join(tmpdir(), 'agentsync-sign-'));
  try {
    const challenge = `agentsync store write by ${actor} at ${new Date().toISOString()} ${randomBytes(16).toString('hex')}\n`;
    // A `key::` literal is a public key whose private half ssh-agent holds (-U), as git reads it.
    const literal = key.startsWith('key::');
    const keyFile = literal ? join(dir, 'key.pub') : key;
    if (literal) await writeFile(keyFile, `${key.slice('key::'.length)}\n`);
    const signed = await sshKeygen(['-Y', 'sign', '-n', 'git', '-f', keyFile, ...(literal ? ['-U'] : [])], challenge);
    if (signed.code !== 0) {
      throw new BlockedError(`Refused to write the store as ${actor}: cannot sign with ${key}: ${signed.stderr.trim().split('\n').pop()}`, { where: actor, hint });
    }
    await writeFile(join(dir, 'challenge.sig'), signed.stdout);
    const verified = await sshKeygen(['-Y', 'verify', '-f', file, '-I', actor, '-n', 'git', '-s', join(dir, 'challenge.sig')], challenge);
    if (verified.code !== 0) {
      throw new BlockedError(`Refused to write the store as ${actor}: the key ${key} is not listed for "${actor}" in ${allowedSigners}.`, { where: actor, hint });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** StoreOptions.authorize for a config with signed identities: each write proves the writer's key (see proveSigner). */
export function storeAuthorization(repo: Repo, allowedSigners: string | undefined, env: NodeJS.ProcessEnv): { authorize?: (actor: string) => Promise<void> } {
  return allowedSigners ? { authorize: (actor) => proveSigner(repo, allowedSigners, actor, env) } : {};
}
