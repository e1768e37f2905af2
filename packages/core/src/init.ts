/**
 * The scaffolding that `agentsync init` and the Nx `init` generator share:
 * `.agentsync.json`, `AgentTracker.md` and the husky hooks. It works on a
 * small file host so the CLI can pass the disk and Nx its virtual Tree, and the
 * two can never drift. It never overwrites what a user wrote, and a second run
 * changes nothing.
 */
import { CONFIG_FILE } from './config/constants';
import { UsageError } from './errors';
import { createTrackerText } from './tracker/model';

/** Read and write files by repo-relative POSIX path. */
export interface FileHost {
  read(path: string): string | undefined;
  write(path: string, content: string, options?: { executable?: boolean }): void;
}

export interface InitOptions {
  /** Health commands to seed `health.commands` with; omitted when empty. */
  healthCommands?: Array<{ name: string; run: string }>;
  /** Nx targets to seed `health.targets` with. */
  healthTargets?: string[];
  /** Hot files to seed, as size limits. */
  hotFiles?: Array<{ path: string; maxChangedLines: number }>;
  /** The repo's `core.hooksPath`, if set: another hook manager may own the hooks. */
  gitHooksPath?: string;
  /** Version spec of @agentsync/cli to add to devDependencies. */
  cliVersion: string;
  huskyVersion: string;
  /** Where `$schema` points. */
  schemaPath?: string;
}

export interface InitResult {
  /** Files created or changed, in order. */
  changed: Array<{ path: string; action: 'created' | 'updated' }>;
  /** Things the user must do by hand, such as lines for another hook manager. */
  notes: string[];
}

export const SCHEMA_PATH = './node_modules/@agentsync/core/schema/agentsync.schema.json';
export const HOOKS = ['pre-commit', 'commit-msg', 'pre-push'] as const;

/** The line each git hook runs: the local binary directly, since `npx` costs ~700 ms a commit. */
export function hookLine(hook: (typeof HOOKS)[number]): string {
  return `node_modules/.bin/agentsync hook ${hook} "$@"`;
}

/** Writes `content` to `path` unless it is already exactly that. */
function writeIfChanged(host: FileHost, result: InitResult, path: string, content: string, executable = false) {
  const before = host.read(path);
  if (before === content) return;
  host.write(path, content, { executable });
  result.changed.push({ path, action: before === undefined ? 'created' : 'updated' });
}

const LINT_STAGED_FILES = ['.lintstagedrc', '.lintstagedrc.json', '.lintstagedrc.yaml', '.lintstagedrc.yml', '.lintstagedrc.js', '.lintstagedrc.cjs', '.lintstagedrc.mjs', 'lint-staged.config.js', 'lint-staged.config.cjs', 'lint-staged.config.mjs'];

/**
 * Whether the pre-commit hook should run lint-staged itself: the repo configures
 * lint-staged but no existing pre-commit hook runs it.
 */
function needsLintStaged(host: FileHost, pkg: Record<string, unknown> | undefined): boolean {
  const configured = Boolean(pkg?.['lint-staged']) || LINT_STAGED_FILES.some((file) => host.read(file) !== undefined);
  return configured && !/lint-staged/.test(host.read('.husky/pre-commit') ?? '');
}

function initialConfig(options: InitOptions, lintStaged: boolean): string {
  const health: Record<string, unknown> = {};
  if (options.healthCommands?.length) health.commands = options.healthCommands;
  if (options.healthTargets?.length) health.targets = options.healthTargets;
  const config: Record<string, unknown> = { $schema: options.schemaPath ?? SCHEMA_PATH };
  if (Object.keys(health).length) config.health = health;
  if (options.hotFiles?.length) config.hotFiles = options.hotFiles;
  if (lintStaged) config.hooks = { lintStaged: true };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Where another hook manager is configured, the lines to add there by hand. */
function otherHookManager(host: FileHost, pkg: Record<string, unknown> | undefined, hooksPath?: string): string | undefined {
  if (host.read('lefthook.yml') !== undefined || host.read('.lefthook.yml') !== undefined) return 'lefthook';
  if (pkg?.['simple-git-hooks'] || host.read('.simple-git-hooks.json') !== undefined) return 'simple-git-hooks';
  if (host.read('.pre-commit-config.yaml') !== undefined) return 'pre-commit';
  if (hooksPath && !hooksPath.replace(/\/$/, '').endsWith('.husky/_') && hooksPath.replace(/\/$/, '') !== '.husky') {
    return `core.hooksPath (${hooksPath})`;
  }
  return undefined;
}

/** Puts the AgentSync line first in a husky hook (after a shebang), keeping every existing line. */
export function withHookLine(existing: string | undefined, hook: (typeof HOOKS)[number]): string {
  const line = hookLine(hook);
  if (existing === undefined || existing.trim() === '') return `${line}\n`;
  if (existing.split(/\r?\n/).some((l) => l.trim() === line)) return existing;
  const eol = existing.includes('\r\n') ? '\r\n' : '\n';
  if (existing.startsWith('#!')) {
    const end = existing.indexOf('\n');
    if (end === -1) return `${existing}${eol}${line}${eol}`;
    return `${existing.slice(0, end + 1)}${line}${eol}${existing.slice(end + 1)}`;
  }
  return `${line}${eol}${existing}`;
}

/** Adds husky and @agentsync/cli to devDependencies and `husky` to `prepare`, keeping what is there. */
function updatePackageJson(text: string, options: InitOptions): string {
  const pkg = parsePackageJson(text);
  const deps = { ...(pkg.dependencies ?? {}), ...(pkg.devDependencies ?? {}) };
  const devDependencies = { ...(pkg.devDependencies ?? {}) };
  if (!deps['@agentsync/cli']) devDependencies['@agentsync/cli'] = options.cliVersion;
  if (!deps.husky) devDependencies.husky = options.huskyVersion;
  const scripts = { ...(pkg.scripts ?? {}) };
  const prepare: string | undefined = scripts.prepare;
  if (!prepare) scripts.prepare = 'husky';
  else if (!/(^|[\s;&|])husky(\s|$|;|&)/.test(prepare)) scripts.prepare = `${prepare} && husky`;
  const next = { ...pkg, scripts, devDependencies };
  const indent = /^\{\r?\n(\s+)"/.exec(text)?.[1] ?? '  ';
  const updated = `${JSON.stringify(next, null, indent)}\n`;
  return JSON.stringify(next) === JSON.stringify(pkg) ? text : updated;
}

function parsePackageJson(text: string): Record<string, any> {
  try {
    return JSON.parse(text) as Record<string, any>;
  } catch (error) {
    throw new UsageError(`package.json is not valid JSON: ${(error as Error).message}`, {
      where: 'package.json',
      hint: 'Fix package.json first; init changes nothing until it parses.',
    });
  }
}

/** Health checks from the repo's own `build`, `test` and `lint` scripts, run with its package manager. */
export function detectHealthCommands(host: FileHost): Array<{ name: string; run: string }> {
  const text = host.read('package.json');
  if (text === undefined) return [];
  const scripts = (parsePackageJson(text).scripts ?? {}) as Record<string, string>;
  const manager = host.read('pnpm-lock.yaml') !== undefined ? 'pnpm' : host.read('yarn.lock') !== undefined ? 'yarn' : 'npm';
  return ['build', 'test', 'lint']
    // npm init's placeholder test script always fails: it is no check.
    .filter((name) => typeof scripts[name] === 'string' && !scripts[name].includes('no test specified'))
    .map((name) => ({ name, run: manager === 'npm' ? `npm run ${name}` : `${manager} run ${name}` }));
}

/** Scaffolds AgentSync into the repository behind `host`; idempotent. */
export function initRepository(host: FileHost, options: InitOptions): InitResult {
  const result: InitResult = { changed: [], notes: [] };
  const pkgText = host.read('package.json');
  const pkg = pkgText === undefined ? undefined : parsePackageJson(pkgText);
  if (host.read(CONFIG_FILE) === undefined) {
    writeIfChanged(host, result, CONFIG_FILE, initialConfig(options, needsLintStaged(host, pkg)));
  }
  if (host.read('AgentTracker.md') === undefined) {
    const nothingToCheck = !options.healthCommands?.length && !options.healthTargets?.length;
    const healthNote = nothingToCheck
      ? 'No build, test or lint checks were found: add them to `health.commands` in .agentsync.json.'
      : undefined;
    writeIfChanged(host, result, 'AgentTracker.md', createTrackerText({ healthNote }));
  }

  const manager = otherHookManager(host, pkg, options.gitHooksPath);
  if (manager) {
    result.notes.push(
      `${manager} manages this repository's git hooks; AgentSync changed nothing there. Add these commands to its hooks:`,
      ...HOOKS.map((hook) => `  ${hook}: ${hookLine(hook)}`),
    );
    return result;
  }
  for (const hook of HOOKS) writeIfChanged(host, result, `.husky/${hook}`, withHookLine(host.read(`.husky/${hook}`), hook), true);
  if (pkgText !== undefined) writeIfChanged(host, result, 'package.json', updatePackageJson(pkgText, options));
  else result.notes.push('There is no package.json: install husky and @agentsync/cli, then run `npx husky` to activate the hooks.');
  return result;
}
