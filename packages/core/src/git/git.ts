/**
 * The one place AgentSync runs git. Arguments always go as an array (paths are
 * data, never shell) and callers that read paths ask git for NUL-separated output.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { EnvironmentError, GitError } from '../errors';

export interface GitOptions {
  cwd: string;
  /** Written to git's stdin. */
  input?: string | Buffer;
  /** Extra environment, merged over process.env. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before git is killed; network calls always pass one. */
  timeout?: number;
}

/** Runs git and resolves with its stdout; rejects with GitError on a non-zero exit. */
export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return runGit(args, options, 'utf8');
}

/** Like {@link git}, with stdout as bytes: for output that mixes byte counts and text git does not check. */
function gitBytes(args: readonly string[], options: GitOptions): Promise<Buffer> {
  return runGit(args, options, 'buffer');
}

function runGit(args: readonly string[], options: GitOptions, encoding: 'utf8'): Promise<string>;
function runGit(args: readonly string[], options: GitOptions, encoding: 'buffer'): Promise<Buffer>;
function runGit(args: readonly string[], options: GitOptions, encoding: 'utf8' | 'buffer'): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args as string[],
      {
        cwd: options.cwd,
        env: options.env ? { ...process.env, ...options.env } : process.env,
        maxBuffer: 1024 * 1024 * 256,
        timeout: options.timeout ?? 0,
        killSignal: 'SIGKILL',
        encoding,
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = typeof error.code === 'number' ? error.code : null;
        if (error.code === 'ENOENT') return reject(spawnFailure(options.cwd));
        reject(new GitError(args, code, String(stderr) || error.message, Boolean(error.killed && options.timeout), String(stdout)));
      },
    );
    // A git that exits before reading all its input (a fatal error) closes the pipe: its exit code tells, not EPIPE.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** ENOENT from spawn means the program or the working directory is missing. */
function spawnFailure(cwd: string): EnvironmentError {
  const missing = existsSync(cwd) ? 'git was not found on PATH.' : `The directory ${cwd} does not exist.`;
  return new EnvironmentError(missing, { hint: 'Install git 2.36 or newer, and run agentsync inside a repository.' });
}

/** Runs git and hands its stdout to `onLine` line by line, for outputs too large to hold; rejects as {@link git} does. */
export function gitLines(args: readonly string[], options: Pick<GitOptions, 'cwd'>, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args as string[], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', onLine);
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? spawnFailure(options.cwd) : error));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new GitError(args, code, stderr))));
  });
}

/** Like {@link git}, but resolves with undefined instead of rejecting when git exits non-zero. */
export async function tryGit(args: readonly string[], options: GitOptions): Promise<string | undefined> {
  try {
    return await git(args, options);
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/** An object as `git cat-file --batch` prints it. */
export interface GitObject {
  oid: string;
  type: string;
  content: string;
}

/**
 * Reads several objects (any names git takes, such as `<commit>:<path>` or a
 * ref) with one `git cat-file --batch`: each one's object, in order, or
 * undefined where git says it is missing.
 */
export async function readObjects(repo: Repo, names: readonly string[]): Promise<Array<GitObject | undefined>> {
  if (names.length === 0) return [];
  // Sizes count bytes, and an object need not be UTF-8: the output is walked as bytes.
  let rest = await gitBytes(['cat-file', '--batch'], { cwd: repo.root, input: names.map((name) => `${name}\n`).join('') });
  return names.map(() => {
    const headerEnd = rest.indexOf(10);
    const header = rest.subarray(0, headerEnd).toString('utf8');
    rest = rest.subarray(headerEnd + 1);
    // "<name> missing" (the name may hold spaces); a found object is "<oid> <type> <size>".
    if (/ (missing|ambiguous)$/.test(header)) return undefined;
    const [oid, type, size] = header.split(' ');
    const content = rest.subarray(0, Number(size)).toString('utf8');
    rest = rest.subarray(Number(size) + 1);
    return { oid, type, content };
  });
}

/** A loose object's type and content, read and inflated from the object store; undefined when it is not loose there. */
async function looseObject(repo: Repo, oid: string): Promise<{ type: string; content: Buffer } | undefined> {
  let raw: Buffer;
  try {
    raw = (require('node:zlib') as typeof import('node:zlib')).inflateSync(await readFile(join(repo.commonDir, 'objects', oid.slice(0, 2), oid.slice(2))));
  } catch {
    return undefined;
  }
  const nul = raw.indexOf(0);
  const [type, size] = raw.subarray(0, nul).toString('latin1').split(' ');
  const content = raw.subarray(nul + 1);
  return content.length === Number(size) ? { type, content } : undefined;
}

/**
 * The files `names` at the top of the tree of the commit `ref` names, read
 * straight from a loose ref and loose objects, without a git process (the
 * agent tools' edit guard runs before every edit); a name the tree lacks is
 * absent from `files`. Undefined whenever any piece is anything else (a packed
 * ref or object, a symref, reftable, alternates, git's variables moving the
 * object store): then ask git.
 */
export async function readLooseFiles(repo: Repo, ref: string, names: readonly string[]): Promise<{ commit: string; files: Map<string, GitObject> } | undefined> {
  if (process.env.GIT_OBJECT_DIRECTORY || process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES) return undefined;
  const commit = (await readFile(join(repo.commonDir, ref), 'utf8').catch(() => '')).trim();
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) return undefined;
  const commitObject = await looseObject(repo, commit);
  const tree = commitObject?.type === 'commit' ? /^tree ([0-9a-f]+)\n/.exec(commitObject.content.toString('latin1'))?.[1] : undefined;
  const treeObject = tree ? await looseObject(repo, tree) : undefined;
  if (treeObject?.type !== 'tree') return undefined;
  // Entries: "<mode> <name>\0<hash bytes>", the hash as long as the commit id says.
  const hashBytes = commit.length / 2;
  const files = new Map<string, GitObject>();
  const entries = treeObject.content;
  for (let at = 0; at < entries.length; ) {
    const space = entries.indexOf(32, at);
    const nul = entries.indexOf(0, at);
    if (space === -1 || nul === -1) return undefined;
    const [mode, name] = [entries.subarray(at, space).toString('latin1'), entries.subarray(space + 1, nul).toString('utf8')];
    const oid = entries.subarray(nul + 1, nul + 1 + hashBytes).toString('hex');
    at = nul + 1 + hashBytes;
    if (!names.includes(name)) continue;
    const blob = mode === '100644' ? await looseObject(repo, oid) : undefined;
    if (blob?.type !== 'blob') return undefined;
    files.set(name, { oid, type: 'blob', content: blob.content.toString('utf8') });
  }
  return { commit, files };
}

/** Splits NUL-separated git output, dropping the empty tail. */
export function splitNul(output: string): string[] {
  const parts = output.split('\0');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Where a repository lives on disk. */
export interface Repo {
  /** The working tree's top directory (of this worktree). */
  root: string;
  /** This worktree's git dir. */
  gitDir: string;
  /** The git dir shared by every worktree of the clone: refs/agentsync lives here. */
  commonDir: string;
}

/**
 * The repository whose worktree top is `dir`, read from the `.git` entry as
 * git lays it out (a directory, or a file naming the git dir of a linked
 * worktree or submodule): no git process, which matters on the hook path.
 * Undefined when `dir` is not a worktree's top.
 */
function repoAtTop(dir: string): Repo | undefined {
  const dotGit = join(dir, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return { root: dir, gitDir: dotGit, commonDir: dotGit };
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1];
    if (!pointer) return undefined;
    const gitDir = resolve(dir, pointer.trim());
    let commonDir = gitDir;
    try {
      commonDir = resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
    } catch {
      // No commondir file: a submodule's own git dir.
    }
    return { root: dir, gitDir, commonDir };
  } catch {
    return undefined;
  }
}

/** Finds the repository around `cwd`; exit 2 with a clear message when there is none. */
export async function openRepo(cwd: string): Promise<Repo> {
  // Git runs hooks from the worktree's top; GIT_DIR and friends override the layout, so then ask git.
  if (!process.env.GIT_DIR && !process.env.GIT_WORK_TREE && !process.env.GIT_COMMON_DIR) {
    const top = repoAtTop(realpathSync(cwd));
    if (top) return top;
  }
  let out: string;
  try {
    out = await git(['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-dir', '--git-common-dir'], {
      cwd,
    });
  } catch (error) {
    if (error instanceof GitError) {
      // A bare repository (or the inside of a .git directory) is a repository, just not a working tree.
      if ((await tryGit(['rev-parse', '--is-bare-repository'], { cwd }))?.trim() === 'true' || /must be run in a work tree/.test(error.stderr)) {
        throw new EnvironmentError(`Not a working tree: ${cwd} is a bare repository or inside a .git directory.`, {
          where: cwd,
          hint: 'Run agentsync in a clone or worktree of it; a bare repository can only serve as a coordination remote.',
        });
      }
      throw new EnvironmentError(`Not a git repository: ${cwd}`, {
        where: cwd,
        hint: 'Run agentsync inside a git working tree (or `git init` one first).',
      });
    }
    throw error;
  }
  const [root, gitDir, commonDir] = out.split('\n');
  if (!root || !gitDir || !commonDir) {
    throw new EnvironmentError(`Not inside a git working tree: ${cwd}`, {
      where: cwd,
      hint: 'AgentSync needs a working tree; a bare repository can only serve as a coordination remote.',
    });
  }
  return { root, gitDir, commonDir };
}

/**
 * The checked-out branch's short name (`git symbolic-ref --short HEAD`), or
 * undefined on a detached HEAD. Read from the HEAD file where git's files
 * backend keeps it, which spares every hook a git process; git is asked for
 * anything else (a reftable repository's HEAD, a symref outside refs/heads).
 */
export async function currentBranch(repo: Repo): Promise<string | undefined> {
  const head = await readFile(join(repo.gitDir, 'HEAD'), 'utf8').catch(() => '');
  const branch = /^ref: refs\/heads\/(.+)\n?$/.exec(head)?.[1];
  if (branch && branch !== '.invalid') return branch;
  if (/^[0-9a-f]{40,64}\n?$/.test(head)) return undefined;
  return (await tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: repo.root }))?.trim() || undefined;
}

/** The names the default branch may have: origin's HEAD where it is known, else init.defaultBranch, main and master. */
export async function defaultBranches(repo: Repo): Promise<string[]> {
  const remoteHead = (await tryGit(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'], { cwd: repo.root }))?.trim();
  if (remoteHead) return [remoteHead.replace(/^origin\//, '')];
  const configured = (await tryGit(['config', '--get', 'init.defaultBranch'], { cwd: repo.root }))?.trim();
  return [...(configured ? [configured] : []), 'main', 'master'];
}
