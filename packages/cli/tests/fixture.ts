/**
 * Real repositories in temp dirs and the built CLI run as a process: what the
 * end-to-end tests stand on.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const CLI = resolve(__dirname, '../bin/agentsync.js');

/** The environment with every variable that could leak an identity or git setting removed. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AGENTSYNC|CLAUDE|CODEX|GEMINI|COPILOT|GIT_|HUSKY|NO_COLOR|FORCE_COLOR|NODE_COMPILE_CACHE|NODE_DISABLE_COMPILE_CACHE)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: homeDir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    ...extra,
  };
}

const roots: string[] = [];
const homeDir = makeTemp('home');

function makeTemp(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `agentsync-${prefix}-`)));
  roots.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** Runs a program to completion, never throwing on a non-zero exit. */
export function runProgram(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: cleanEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    // A program may exit without reading its input (a skipped hook does): EPIPE then is no failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Runs the built agentsync CLI. */
export function agentsync(args: string[], options: RunOptions): Promise<RunResult> {
  return runProgram(process.execPath, [CLI, ...args], options);
}

/** Runs git and returns stdout; throws with stderr on failure. */
export function git(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { cwd, env: cleanEnv(env), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(' ')}: ${stderr || error.message}`)) : resolvePromise(stdout),
    );
  });
}

export interface TestRepo {
  dir: string;
  git(args: string[], env?: NodeJS.ProcessEnv): Promise<string>;
  run(args: string[], options?: Partial<RunOptions>): Promise<RunResult>;
  write(path: string, content: string): void;
}

export function repoAt(dir: string): TestRepo {
  return {
    dir,
    git: (args, env) => git(dir, args, env),
    run: (args, options = {}) => agentsync(args, { cwd: dir, ...options }),
    write(path, content) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    },
  };
}

/** A fresh repository on branch main, with `.agentsync.json` (`{}` unless given) and one commit unless `empty`. */
export async function makeRepo(options: { config?: object | null; empty?: boolean } = {}): Promise<TestRepo> {
  const repo = repoAt(makeTemp('repo'));
  await repo.git(['init', '-q', '-b', 'main']);
  if (options.config !== null) repo.write('.agentsync.json', `${JSON.stringify(options.config ?? {}, null, 2)}\n`);
  if (!options.empty) {
    repo.write('README.md', '# test\n');
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '-m', 'initial']);
  }
  return repo;
}

/** A bare repository to serve as a remote. */
export async function makeBareRemote(): Promise<string> {
  const dir = makeTemp('remote');
  await git(dir, ['init', '-q', '--bare', '-b', 'main']);
  return dir;
}

export { makeTemp };

/** PATH without the folders that hold an `agentsync` (the workspace's node_modules/.bin, where vitest runs): a machine without a global install. */
export function pathWithoutAgentsync(): string {
  return (process.env.PATH ?? '').split(delimiter).filter((dir) => dir && !existsSync(join(dir, 'agentsync'))).join(delimiter);
}

/** A folder with an `agentsync` that runs the built CLI, as a global install puts one on PATH. */
export function globalBin(): string {
  const dir = makeTemp('bin');
  writeFileSync(join(dir, 'agentsync'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  return dir;
}

/**
 * The folder where `spec` is installed, once per machine: in the temp folder, outside the
 * workspace, so later runs install nothing. Installed beside and renamed into place, as test
 * files in parallel workers may race here.
 */
export function cachedPackage(spec: string): Promise<string> {
  cachedInstalls[spec] ??= (async () => {
    const home = join(tmpdir(), `agentsync-test-install-${spec.replace(/[^\w.@-]/g, '_')}`);
    if (existsSync(join(home, 'node_modules', '.package-lock.json'))) return home;
    const staging = mkdtempSync(`${home}-`);
    await installPackage(spec, staging);
    try {
      renameSync(staging, home);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another worker won the race
    }
    return home;
  })();
  return cachedInstalls[spec];
}
const cachedInstalls: Record<string, Promise<string>> = {};

/** Installs an npm package into `dir` (a folder of its own), from the real npm cache where it can. */
export async function installPackage(spec: string, dir: string): Promise<void> {
  writeFileSync(join(dir, 'package.json'), '{}\n');
  const install = await runProgram('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', spec], {
    cwd: dir,
    // The tests' clean HOME has no npm cache: use the real one, so a warm cache needs no network.
    env: { npm_config_cache: join(homedir(), '.npm') },
  });
  if (install.code !== 0) throw new Error(`npm install ${spec} failed: ${install.stderr}`);
}
