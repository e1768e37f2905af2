/**
 * The scaffolding that `agentsync init` and the Nx `init` generator share:
 * `.agentsync.json`, `AgentTracker.md` and the husky hooks. It works on a
 * small file host so the CLI can pass the disk and Nx its virtual Tree, and the
 * two can never drift. It never overwrites what a user wrote, and a second run
 * changes nothing.
 */
import { CONFIG_FILE } from '../config/constants';
import { UsageError } from '../errors';
import { stagedHost, writeIfChanged, type FileChange, type FileHost } from './file-host';
import { HOOK_STUB, HOOKS_DIR, RUNNER } from './hooks-dir';
import { writeAgentInstructions } from './instructions';
import { writeAgentCommands } from './agent-commands';
import { mcpServerCommand, registerMcpServer } from './mcp-registration';
import { createTrackerText } from '../domain/tracker';
import { wireAgentTools } from './agent-wiring';
import { AGENT_TOOLS, isAgentTool, type AgentTool } from '../domain/agent-instance';

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
  /** The agent tools whose hooks to wire (default: all of them). */
  agents?: readonly AgentTool[];
}

export interface InitResult {
  /** Files created or changed, in order. */
  changed: FileChange[];
  /** Things the user must do by hand, such as lines for another hook manager. */
  notes: string[];
}

/** The CLI ships the schema too: it is the one package every setup installs (its bundle holds core). */
const SCHEMA_PATH = './node_modules/@agentsync/cli/schema/agentsync.schema.json';
export const HOOKS = ['pre-commit', 'commit-msg', 'pre-push'] as const;

type HookName = (typeof HOOKS)[number];

/** The local binary, called directly: `npx` costs ~700 ms a commit. For hook managers other than husky. */
const LOCAL_BIN = 'node_modules/.bin/agentsync';
/**
 * What a husky hook script calls: the runner in .agentsync/hooks (as husky's own) puts the
 * binary on PATH, found in this worktree, the main one or PATH, so the line works in a fresh worktree.
 */
const HUSKY_BIN = 'agentsync';

/** The line each git hook runs; `bin` is how the repo reaches the binary (Yarn PnP has no node_modules/.bin). */
export function hookLine(hook: HookName, bin = HUSKY_BIN): string {
  return `${bin} hook ${hook} "$@"`;
}

/**
 * The pre-push line for a hook that runs more commands after it: those may read
 * git's stdin too (`git lfs pre-push` does), so stdin goes to a temp file that
 * AgentSync reads and that then becomes the script's stdin again. Any failure,
 * even of mktemp, blocks the push.
 */
export function prePushLineKeepingStdin(bin = HUSKY_BIN): string {
  const file = '"$agentsync_stdin"';
  return `agentsync_stdin="$(mktemp)" && cat >${file} && ${bin} hook pre-push "$@" <${file} || { rm -f ${file}; exit 1; }; exec <${file}; rm -f ${file}`;
}

/** Whether a script line calls AgentSync's `hook` (in any form: npx, yarn, a path); init never adds a second. */
export const callsHook = (script: string, hook: HookName) => new RegExp(`^[^#\\n]*\\bagentsync\\b[^\\n]*\\bhook\\s+${hook}\\b`, 'm').test(script);

const LINT_STAGED_FILES = ['.lintstagedrc', '.lintstagedrc.json', '.lintstagedrc.yaml', '.lintstagedrc.yml', '.lintstagedrc.js', '.lintstagedrc.cjs', '.lintstagedrc.mjs', 'lint-staged.config.js', 'lint-staged.config.cjs', 'lint-staged.config.mjs'];

/** Whether the repository configures lint-staged (in package.json or a config file of its own): only then is it worth installing. */
export function configuresLintStaged(host: FileHost, pkg = readPackageJson(host)): boolean {
  return Boolean(pkg?.['lint-staged']) || LINT_STAGED_FILES.some((file) => host.read(file) !== undefined);
}

/**
 * Whether the pre-commit hook should run lint-staged itself: the repo configures
 * lint-staged but no existing pre-commit hook runs it. Under another hook
 * manager, that manager's config decides.
 */
function needsLintStaged(host: FileHost, pkg: Record<string, unknown> | undefined, manager: string | undefined): boolean {
  return configuresLintStaged(host, pkg) && !manager && !/^[^#\n]*\blint-staged\b/m.test(host.read('.husky/pre-commit') ?? '');
}

function initialConfig(options: InitOptions, lintStaged: boolean): string {
  const health: Record<string, unknown> = {};
  if (options.healthCommands?.length) health.commands = options.healthCommands;
  if (options.healthTargets?.length) health.targets = options.healthTargets;
  const config: Record<string, unknown> = { $schema: options.schemaPath ?? SCHEMA_PATH };
  if (Object.keys(health).length) config.health = health;
  // Written out although it is the default: the file shows that edits in agent tools claim.
  if (options.agents === undefined || options.agents.length > 0) config.claims = { onEdit: 'claim' };
  if (options.hotFiles?.length) config.hotFiles = options.hotFiles;
  if (lintStaged) config.hooks = { lintStaged: true };
  return `${JSON.stringify(config, null, 2)}\n`;
}

const anyFile = (host: FileHost, files: string[]) => files.some((file) => host.read(file) !== undefined);

const LEFTHOOK_FILES = ['lefthook', '.lefthook', '.config/lefthook'].flatMap((base) => ['yml', 'yaml', 'json', 'jsonc', 'toml'].map((ext) => `${base}.${ext}`));
const SIMPLE_GIT_HOOKS_FILES = ['.simple-git-hooks', 'simple-git-hooks'].flatMap((base) => ['cjs', 'js', 'mjs', 'json'].map((ext) => `${base}.${ext}`));
const PRE_COMMIT_FILES = ['.pre-commit-config.yaml', '.pre-commit-config.yml'];

/** The config files of the hook managers other than husky (simple-git-hooks may also live in package.json). */
export const HOOK_MANAGER_FILES = [...LEFTHOOK_FILES, ...SIMPLE_GIT_HOOKS_FILES, ...PRE_COMMIT_FILES];

/** The hook manager other than husky that owns this repository's hooks, if any. */
function otherHookManager(host: FileHost, pkg: Record<string, unknown> | undefined, hooksPath?: string): string | undefined {
  if (anyFile(host, LEFTHOOK_FILES)) return 'lefthook';
  if (pkg?.['simple-git-hooks'] || anyFile(host, SIMPLE_GIT_HOOKS_FILES)) return 'simple-git-hooks';
  if (anyFile(host, PRE_COMMIT_FILES)) return 'pre-commit';
  const path = hooksPath?.replace(/\/+$/, '');
  if (path && !path.endsWith('.husky/_') && path !== '.husky' && path !== HOOKS_DIR) return `core.hooksPath (${hooksPath})`;
  return undefined;
}

/** How each manager takes the lines, beyond the shell commands themselves. */
const MANAGER_TIPS: Record<string, string> = {
  lefthook:
    'In lefthook.yml give each a `run:` with git\'s arguments as {0} instead of "$@", `use_stdin: true` on pre-push, and run it before the other commands (`piped: true`, lowest `priority`).',
  'simple-git-hooks': 'In package.json\'s "simple-git-hooks", put each first, joined to what is there with &&, then run `npx simple-git-hooks`.',
  'pre-commit':
    'In .pre-commit-config.yaml add a `repo: local` hook per stage (`entry:` the command without "$@", `language: system`, `always_run: true`, `pass_filenames: false` except for commit-msg), and install the stages with `pre-commit install -t pre-commit -t commit-msg -t pre-push`.',
};

/** Puts the AgentSync line first in a husky hook (after a shebang), keeping every existing line. */
export function withHookLine(existing: string | undefined, hook: HookName, bin = HUSKY_BIN): string {
  if (existing === undefined || existing.trim() === '') return `${hookLine(hook, bin)}\n`;
  // The line earlier versions wrote named the binary by path, which a fresh worktree lacks.
  const old = hookLine(hook, LOCAL_BIN);
  if (bin !== LOCAL_BIN && existing.split(/\r?\n/).includes(old)) return existing.replace(old, hookLine(hook, bin));
  if (callsHook(existing, hook)) return existing;
  const runsCommands = /^[ \t]*[^#\s]/m.test(existing);
  const line = hook === 'pre-push' && runsCommands ? prePushLineKeepingStdin(bin) : hookLine(hook, bin);
  const eol = existing.includes('\r\n') ? '\r\n' : '\n';
  if (existing.startsWith('#!')) {
    const end = existing.indexOf('\n');
    if (end === -1) return `${existing}${eol}${line}${eol}`;
    return `${existing.slice(0, end + 1)}${line}${eol}${existing.slice(end + 1)}`;
  }
  return `${line}${eol}${existing}`;
}

/** How the repo installs: Yarn 2+ runs no `prepare` script, and under Plug'n'Play there is no node_modules/.bin. */
function packageSetup(host: FileHost, pkg: Record<string, unknown> | undefined): { installScript: string; bin: string } {
  const yarnrc = host.read('.yarnrc.yml');
  const berry = yarnrc !== undefined || /^yarn@([2-9]|\d{2,})/.test(String(pkg?.packageManager ?? ''));
  if (!berry) return { installScript: 'prepare', bin: HUSKY_BIN };
  const pnp = !/^\s*nodeLinker:\s*["']?(node-modules|pnpm)/m.test(yarnrc ?? '');
  return { installScript: 'postinstall', bin: pnp ? 'yarn agentsync' : HUSKY_BIN };
}

/** Adds husky and @agentsync/cli to devDependencies and `husky && agentsync setup` to the install script, keeping what is there. */
function updatePackageJson(text: string, options: InitOptions, installScript: string, setupCommand: string): string {
  const pkg = parsePackageJson(text);
  const scripts = { ...(pkg.scripts ?? {}) };
  // Every clone's install activates the hooks and registers the tracker's merge driver (both per clone).
  let script: string = scripts[installScript] ?? '';
  if (!/(^|[\s;&|])husky(\s|$|;|&)/.test(script)) script = script ? `${script} && husky` : 'husky';
  if (!script.includes(setupCommand)) script = `${script} && ${setupCommand}`;
  scripts[installScript] = script;
  const withScripts = JSON.stringify(scripts) === JSON.stringify(pkg.scripts) ? text : writePackageJson(text, { ...pkg, scripts });
  return withDevDependencies(withScripts, { '@agentsync/cli': options.cliVersion, husky: options.huskyVersion });
}

/** A JSON file (package.json, nx.json) as `next`, in the indentation, line ends and byte order mark of `text`. */
export function writePackageJson(text: string, next: Record<string, unknown>): string {
  const indent = /^\uFEFF?\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return `${text.startsWith('\uFEFF') ? '\uFEFF' : ''}${JSON.stringify(next, null, indent).replaceAll('\n', eol)}${eol}`;
}

/**
 * Adds each package that is in neither dependencies nor devDependencies to the end of
 * devDependencies; every key keeps its place (no sorting), and an unchanged file keeps its bytes.
 */
export function withDevDependencies(text: string, add: Record<string, string>): string {
  const pkg = parsePackageJson(text);
  const missing = Object.entries(add).filter(([name]) => !pkg.dependencies?.[name] && !pkg.devDependencies?.[name]);
  if (missing.length === 0) return text;
  return writePackageJson(text, { ...pkg, devDependencies: { ...(pkg.devDependencies ?? {}), ...Object.fromEntries(missing) } });
}

function readPackageJson(host: FileHost): Record<string, any> | undefined {
  const text = host.read('package.json');
  return text === undefined ? undefined : parsePackageJson(text);
}

export function parsePackageJson(text: string): Record<string, any> {
  try {
    // npm accepts a byte order mark; JSON.parse does not.
    return JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, any>;
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

/** The .gitattributes line that has git merge AgentTracker.md with AgentSync's driver (see merge-driver.ts). */
export const TRACKER_ATTRIBUTES_LINE = 'AgentTracker.md merge=agentsync-tracker';

/** Adds {@link TRACKER_ATTRIBUTES_LINE} to .gitattributes once, keeping every other line. */
export function writeTrackerAttributes(host: FileHost, result: InitResult): void {
  const existing = host.read('.gitattributes');
  if (existing?.split(/\r?\n/).some((line) => line.trim() === TRACKER_ATTRIBUTES_LINE)) return;
  const eol = existing?.includes('\r\n') ? '\r\n' : '\n';
  const before = !existing ? '' : /\n$/.test(existing) ? existing : `${existing}${eol}`;
  writeIfChanged(host, result.changed, '.gitattributes', `${before}${TRACKER_ATTRIBUTES_LINE}${eol}`);
}

/** Parses `--agents claude,codex`: the tools named, in AGENT_TOOLS' order; `none` or '' for none. UsageError for an unknown name. */
export function parseAgentsOption(value: string | undefined): AgentTool[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '' && name !== 'none');
  const unknown = names.filter((name) => !isAgentTool(name));
  if (unknown.length > 0) {
    throw new UsageError(`Unknown agent tool ${unknown.map((n) => JSON.stringify(n)).join(', ')} in --agents.`, {
      hint: `Name some of ${AGENT_TOOLS.join(', ')}, separated by commas, or none.`,
    });
  }
  return AGENT_TOOLS.filter((tool) => names.includes(tool));
}

/** Scaffolds AgentSync into the repository behind `host`; idempotent, and all or nothing: a file it cannot edit stops it before any write. */
export function initRepository(host: FileHost, options: InitOptions): InitResult {
  const staged = stagedHost(host);
  const result = scaffold(staged, options);
  staged.commit();
  return result;
}

function scaffold(host: FileHost, options: InitOptions): InitResult {
  const result: InitResult = { changed: [], notes: [] };
  const pkgText = host.read('package.json');
  const pkg = pkgText === undefined ? undefined : parsePackageJson(pkgText);
  const manager = otherHookManager(host, pkg, options.gitHooksPath);
  const { installScript, bin } = packageSetup(host, pkg);
  if (host.read(CONFIG_FILE) === undefined) {
    writeIfChanged(host, result.changed, CONFIG_FILE, initialConfig(options, needsLintStaged(host, pkg, manager)));
  }
  if (host.read('AgentTracker.md') === undefined) {
    const nothingToCheck = !options.healthCommands?.length && !options.healthTargets?.length;
    const healthNote = nothingToCheck
      ? 'No build, test or lint checks were found: add them to `health.commands` in .agentsync.json.'
      : undefined;
    writeIfChanged(host, result.changed, 'AgentTracker.md', createTrackerText({ healthNote }));
  }
  writeTrackerAttributes(host, result);
  result.changed.push(...writeAgentInstructions(host));
  result.changed.push(...registerMcpServer(host, mcpServerCommand(bin)));
  const commands = writeAgentCommands(host);
  result.changed.push(...commands.changed);
  if (commands.skipped.length) result.notes.push(`Kept your own ${commands.skipped.join(', ')}: AgentSync writes its skill and session commands only where no file of that name is yours.`);
  wireAgentTools(host, result.changed, options.agents);

  if (manager) {
    // Another manager's hooks get no runner to put the binary on PATH: name it by path where Node installs it.
    const managerBin = bin === HUSKY_BIN && pkg ? LOCAL_BIN : bin;
    result.notes.push(
      `${manager} manages this repository's git hooks; AgentSync changed nothing there. Add these commands to its hooks, each before the commands already there:`,
      ...HOOKS.map((hook) => `  ${hook}: ${hookLine(hook, managerBin)}`),
      ...(MANAGER_TIPS[manager] ? [MANAGER_TIPS[manager]] : []),
    );
    return result;
  }
  // Tracked, so every worktree runs them (hooks-dir.ts); `agentsync setup` makes it core.hooksPath.
  writeIfChanged(host, result.changed, `${HOOKS_DIR}/h`, RUNNER, true);
  for (const hook of HOOKS) writeIfChanged(host, result.changed, `${HOOKS_DIR}/${hook}`, HOOK_STUB, true);
  if (pkgText === undefined) {
    // No Node: the runner calls agentsync from PATH (a global install), no husky needed.
    result.notes.push(`There is no package.json: the hooks in ${HOOKS_DIR} call \`agentsync\` from PATH (npm install --global @agentsync/cli); each clone runs \`agentsync setup\` once to activate them.`);
    return result;
  }
  for (const hook of HOOKS) writeIfChanged(host, result.changed, `.husky/${hook}`, withHookLine(host.read(`.husky/${hook}`), hook, bin), true);
  writeIfChanged(host, result.changed, 'package.json', updatePackageJson(pkgText, options, installScript, `${bin === HUSKY_BIN ? 'agentsync' : bin} setup`));
  return result;
}
