/**
 * End to end, as a user gets it: a fresh `create-nx-workspace --preset=ts` workspace with a
 * vitest library; this checkout's core, cli and nx published to a local registry (verdaccio,
 * which proxies every other package to the public registry), then `nx add @agentsync/nx`, and
 * the generators, the inferred target and the git hooks used for real. The workspace is a fresh
 * copy of one made once per machine (about a minute, then cached); the tests run in order on it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedFolder, E2E_CACHE } from '../../../tools/e2e/cache.mjs';
import { startLocalRegistry, type LocalRegistry } from './local-registry';

/** This checkout, whose packages the tests publish. */
const REPO = resolve(__dirname, '../../..');
const MINUTE = 60_000;

let tmp: string;
let ws: string;
let env: NodeJS.ProcessEnv;
let registry: LocalRegistry | undefined;
/** What `npm publish` reported for each package: name, version, integrity. */
let published: Record<string, { version: string; integrity: string }>;
/** The output of `nx add @agentsync/nx`. */
let added: string;

/**
 * The environment of a user's shell: nothing inherited from the nx, npm and vitest processes
 * running this test (NX_*, npm_config_local_prefix and INIT_CWD would point the workspace's
 * tools at this repository), no agent identity, and a git config of our own.
 */
function userEnv(home: string): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([key]) => !/^(AGENTSYNC|NX_|GIT_|npm_|INIT_CWD$|NODE_ENV$|TEST$|VITEST|HUSKY|CLAUDE|CODEX|GEMINI|COPILOT)/.test(key),
  );
  const gitconfig = join(home, 'gitconfig');
  writeFileSync(gitconfig, '[init]\n\tdefaultBranch = main\n');
  return {
    ...Object.fromEntries(inherited),
    CI: 'true',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: gitconfig,
    GIT_AUTHOR_NAME: 'Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
}

interface Result {
  code: number | null;
  stdout: string;
  /** stdout and stderr together. */
  output: string;
}

/** Runs a command in the workspace (or `cwd`) to completion; never throws. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Result {
  const child = spawnSync(command, args, {
    cwd: options.cwd ?? ws,
    env: { ...env, ...options.env },
    encoding: 'utf8',
    timeout: options.timeout ?? 5 * MINUTE,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: child.status, stdout: child.stdout, output: `${child.stdout}${child.stderr}${child.error ? String(child.error) : ''}` };
}

/** Runs a command that must succeed, and returns its stdout. */
function ok(command: string, args: string[], options?: Parameters<typeof run>[2]): string {
  const result = run(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.output}`);
  return result.stdout;
}

const read = (path: string) => readFileSync(join(ws, path), 'utf8');
const gitStatus = () => ok('git', ['status', '--porcelain']);
const commitAll = (message: string) => {
  ok('git', ['add', '-A']);
  ok('git', ['commit', '-qm', message]);
};

/** Publishes this checkout's builds of core, cli and nx, packed as for any user. */
function publishPackages(url: string, authLine: string): typeof published {
  const userconfig = join(tmp, 'publish.npmrc');
  writeFileSync(userconfig, `${authLine}\n`);
  const workspaces = ['core', 'cli', 'nx'].flatMap((name) => ['--workspace', `packages/${name}`]);
  // In a workspace, npm reports each package under its name.
  return JSON.parse(ok('npm', ['publish', '--json', ...workspaces, '--registry', url, '--userconfig', userconfig], { cwd: REPO }));
}

/** The commands that make the workspace before AgentSync: a fresh ts-preset workspace, then a vitest library. */
const CREATE_WORKSPACE = ['--yes', 'create-nx-workspace@23.2.1', 'ws', '--preset=ts', '--nxCloud=skip', '--no-interactive', '--packageManager=npm'];
const GENERATE_LIBRARY = ['nx', 'g', '@nx/js:lib', 'packages/mylib', '--bundler=tsc', '--unitTestRunner=vitest', '--linter=none', '--no-interactive'];

/**
 * A fresh copy, in `dir`, of the workspace those commands make, for this file to change at will.
 * The original is made once per machine into the e2e cache (tools/e2e/cache.mjs: a minute of npm
 * installs saved on every later run), keyed by the commands and the Node and npm that run them,
 * without its `.nx` folder, whose project graph and task database hold absolute paths.
 */
async function freshWorkspace(dir: string): Promise<string> {
  const decidedBy = { CREATE_WORKSPACE, GENERATE_LIBRARY, abi: process.versions.modules, platform: process.platform, arch: process.arch, npm: ok('npm', ['--version'], { cwd: dir }).trim() };
  const key = createHash('sha256').update(JSON.stringify(decidedBy)).digest('hex').slice(0, 16);
  const original = await cachedFolder(join(E2E_CACHE, 'nx-workspace', key), (temp) => {
    ok('npx', CREATE_WORKSPACE, { cwd: temp });
    ok('npx', GENERATE_LIBRARY, { cwd: join(temp, 'ws') });
    rmSync(join(temp, 'ws', '.nx'), { recursive: true, force: true });
  });
  cpSync(join(original, 'ws'), join(dir, 'ws'), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  return join(dir, 'ws');
}

beforeAll(async () => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-nx-e2e-')));
  env = userEnv(tmp);
  registry = await startLocalRegistry(join(tmp, 'registry'));
  published = publishPackages(registry.url, registry.authLine);
  ws = await freshWorkspace(tmp);
  // The workspace's own npm config, as a user of a private registry has it: the local registry
  // serves @agentsync/* and proxies the rest.
  writeFileSync(join(ws, '.npmrc'), `registry=${registry.url}\n`);
  // create-nx-workspace made the repository and its first commit; this one holds the library.
  commitAll('mylib');
  added = ok('npx', ['nx', 'add', '@agentsync/nx']);
}, 15 * MINUTE);

afterAll(async () => {
  await registry?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('@agentsync/nx in a fresh Nx workspace', () => {
  it('nx add installs the published plugin and runs init: config, tracker, plugin, devDependencies, live hooks', () => {
    expect(added).toContain('Generating @agentsync/nx:init');
    expect(added).toContain('Package @agentsync/nx added successfully.');
    // Installed from the local registry: the very tarballs published above.
    const lock = JSON.parse(read('package-lock.json'));
    for (const [name, { integrity }] of Object.entries(published)) {
      expect(lock.packages[`node_modules/${name}`].integrity, name).toBe(integrity);
    }
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.devDependencies).toMatchObject({
      '@agentsync/nx': `^${published['@agentsync/nx'].version}`,
      '@agentsync/cli': `^${published['@agentsync/cli'].version}`,
    });
    expect(Object.keys(pkg.devDependencies)).toContain('husky');
    // lint-staged only where the workspace uses it.
    expect('lint-staged' in pkg.devDependencies).toBe('lint-staged' in pkg || existsSync(join(ws, '.lintstagedrc')));
    expect(JSON.parse(read('.agentsync.json'))).toEqual({
      $schema: './node_modules/@agentsync/cli/schema/agentsync.schema.json',
      claims: { onEdit: 'claim' },
      health: { targets: ['build', 'typecheck', 'test'] },
    });
    expect(JSON.parse(read('.claude/settings.json')).hooks.PreToolUse).toHaveLength(1);
    expect(existsSync(join(ws, 'node_modules/@agentsync/cli/schema/agentsync.schema.json'))).toBe(true);
    expect(read('AgentTracker.md')).toContain('<!-- agentsync:begin sessions -->');
    expect(JSON.parse(read('nx.json')).plugins).toContain('@agentsync/nx');
    // init's install ran prepare: the hooks are live and the tracker's merge driver is registered.
    expect(pkg.scripts.prepare).toBe('husky && agentsync setup');
    expect(ok('git', ['config', 'core.hooksPath']).trim()).toBe('.agentsync/hooks');
    expect(ok('git', ['config', 'merge.agentsync-tracker.driver']).trim()).toContain('"$a" merge-tracker %O %A %B');
    expect(read('CLAUDE.md')).toContain('@AGENTS.md');
    expect(read('.gitattributes')).toContain('AgentTracker.md merge=agentsync-tracker');
  });

  it('a second init changes nothing', () => {
    commitAll('agentsync init');
    ok('npx', ['nx', 'g', '@agentsync/nx:init']);
    expect(gitStatus()).toBe('');
  });

  it('the agent generator adds a profile once and refuses an invalid one', () => {
    const args = ['nx', 'g', '@agentsync/nx:agent', '--name', 'reviewer', '--tier', '2', '--role', 'Reviews pull requests', '--maxRisk', 'medium'];
    ok('npx', args);
    expect(JSON.parse(read('.agentsync.json')).agents).toEqual([{ name: 'reviewer', role: 'Reviews pull requests', tier: 2, maxRisk: 'medium' }]);
    expect(read('AGENTS.md')).toContain('- `reviewer` — Reviews pull requests (tier 2, max risk medium)');
    commitAll('reviewer');
    ok('npx', args);
    expect(gitStatus()).toBe('');

    const bad = run('npx', ['nx', 'g', '@agentsync/nx:agent', 'bad name']);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('agents[1].name: expected an agent id');
    expect(gitStatus()).toBe('');
  });

  it('every project gets agentsync-health, which passes (0), and fails (1, not 130) when a spec breaks', () => {
    const project = JSON.parse(ok('npx', ['nx', 'show', 'project', '@ws/mylib', '--json']));
    expect(project.targets['agentsync-health']).toMatchObject({ executor: 'nx:noop', dependsOn: ['build', 'typecheck', 'test'] });
    const health = ['nx', 'run-many', '-t', 'agentsync-health', '--outputStyle=static'];
    ok('npx', health);

    const spec = 'packages/mylib/src/lib/mylib.spec.ts';
    writeFileSync(join(ws, spec), read(spec).replace("toEqual('mylib')", "toEqual('broken')"));
    const failed = run('npx', health);
    // 1, a failed check; not 130, Ctrl-C's code, which Nx 23.2 gives a run whose no-op it skipped.
    expect(failed.code, failed.output).toBe(1);
    expect(failed.output).toMatch(/Failed tasks:[\s\S]*@ws\/mylib:test/);
    expect(failed.output).toContain('AgentSync health failed: @ws/mylib:test');
    expect(failed.output).not.toContain('Pass --verbose');
    expect(run('npx', ['nx', 'run', '@ws/mylib:agentsync-health', '--outputStyle=static']).code).toBe(1);

    // The same shape under another name, which the plugin leaves alone: Nx's own 130. When an Nx
    // upgrade makes this 1, the plugin's postTasksExecution hook has done its job and can go.
    const pkgFile = 'packages/mylib/package.json';
    const pkg = JSON.parse(read(pkgFile));
    pkg.nx = { ...pkg.nx, targets: { ...pkg.nx?.targets, 'plain-health': { executor: 'nx:noop', dependsOn: ['test'] } } };
    writeFileSync(join(ws, pkgFile), JSON.stringify(pkg, null, 2));
    expect(run('npx', ['nx', 'run-many', '-t', 'plain-health', '--outputStyle=static']).code).toBe(130);
    ok('git', ['checkout', '--', spec, pkgFile]);
  });

  it("a path one agent claimed blocks another agent's commit", () => {
    ok('npx', ['agentsync', 'claim', 'packages/mylib/**', '--agent', 'alice']);
    appendFileSync(join(ws, 'packages/mylib/src/lib/mylib.ts'), 'export const answer = 42;\n');
    ok('git', ['add', '-A']);

    const bob = run('git', ['commit', '-qm', 'bob edits mylib'], { env: { AGENTSYNC_AGENT: 'bob' } });
    expect(bob.code).not.toBe(0);
    expect(bob.output).toContain('packages/mylib/src/lib/mylib.ts is claimed by alice');
    ok('git', ['commit', '-qm', 'alice edits mylib'], { env: { AGENTSYNC_AGENT: 'alice' } });
  });
});
