/**
 * `agentsync doctor`: what stands between this worktree and hooks that work,
 * each finding with its fix. Hooks that git never runs fail silently, so this
 * looks where that happens: husky's `.husky/_` (made per checkout, so missing in
 * a fresh worktree or clone until the install runs), `core.hooksPath`, the local
 * binary the hook lines call, and the config the hooks read (and the
 * allowed-signers file it names).
 */
import { access, constants, readFile } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { CONFIG_FILE } from '../config/constants';
import { loadConfig } from '../config/load';
import type { AgentSyncConfig } from '../config/schema';
import { ConfigError, EnvironmentError } from '../errors';
import { tryGit, type Repo } from '../git/git';
import { readableSigners } from '../git/signing';
import { staleAgentWiring } from './agent-wiring';
import { diskHost } from './file-host';
import { HOOKS_DIR } from './hooks-dir';
import { callsHook, HOOK_MANAGER_FILES, HOOKS } from './init';

export interface DoctorFinding {
  check: 'config' | 'hooks' | 'husky' | 'binary' | 'lint-staged' | 'agent-tools' | 'identity';
  problem: string;
  fix: string;
}

const readText = (file: string) => readFile(file, 'utf8').catch(() => undefined);
const exists = (file: string) => access(file).then(() => true, () => false);

/** Whether `name` is installed where Node looks from `root`; by directory, since a package's exports may hide its package.json. */
async function installed(name: string, root: string): Promise<boolean> {
  for (let dir = root; ; dir = dirname(dir)) {
    if (await exists(join(dir, 'node_modules', name, 'package.json'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

const executable = (file: string) => access(file, constants.X_OK).then(() => true, () => false);

/** The agentsync the hooks runner would run (hooks-dir.ts): this worktree's node_modules, the main worktree's, then PATH. */
async function runnerBinary(repo: Repo, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dirs = [join(repo.root, 'node_modules', '.bin'), join(dirname(repo.commonDir), 'node_modules', '.bin'), ...(env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) if (await executable(join(dir, 'agentsync'))) return join(dir, 'agentsync');
  return undefined;
}

/** Findings for the committed hooks folder (.agentsync/hooks): is it git's hooks path here, complete, and can it find the CLI? */
async function hooksDirFindings(repo: Repo, hooksPath: string | undefined, env: NodeJS.ProcessEnv): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  const dir = join(repo.root, HOOKS_DIR);
  if (!hooksPath || resolve(repo.root, hooksPath) !== dir) {
    const husky = hooksPath && resolve(repo.root, hooksPath) === join(repo.root, '.husky', '_');
    findings.push({
      check: 'hooks',
      problem: husky
        ? `core.hooksPath is husky's .husky/_, which husky makes per checkout: a fresh worktree runs no hooks at all. The committed ${HOOKS_DIR} runs them everywhere.`
        : `Hooks are not active: core.hooksPath is ${hooksPath ? `"${hooksPath}"` : 'not set'}, so git never runs the hooks in ${HOOKS_DIR}.`,
      fix: 'Run `agentsync setup` (your install\'s "prepare" runs it).',
    });
  }
  const missing = [];
  for (const file of ['h', ...HOOKS]) if (!(await executable(join(dir, file)))) missing.push(file);
  if (missing.length > 0) {
    findings.push({ check: 'hooks', problem: `${HOOKS_DIR} lacks ${missing.join(', ')} (or they are not executable).`, fix: 'Run `agentsync init`, and commit the folder.' });
  }
  if (!(await runnerBinary(repo, env))) {
    findings.push({
      check: 'binary',
      problem: 'The hooks find no agentsync to run (not in node_modules/.bin of this worktree or the main one, not on PATH), so they block every commit.',
      fix: "Run your package manager's install (with @agentsync/cli in devDependencies), or npm install --global @agentsync/cli.",
    });
  }
  return findings;
}

/** Where the agentsync lines live when another hook manager runs the hooks. */
const MANAGER_CONFIGS = [...HOOK_MANAGER_FILES, 'package.json'];

/** Diagnoses the installation in the worktree of `repo`; an empty list means all is well. */
export async function diagnose(repo: Repo, env: NodeJS.ProcessEnv = process.env): Promise<DoctorFinding[]> {
  const root = repo.root;
  let config: AgentSyncConfig;
  try {
    const loaded = await loadConfig(root);
    if (!loaded.exists) {
      return [{ check: 'config', problem: `There is no ${CONFIG_FILE}: AgentSync is not set up in this repository.`, fix: 'Run `agentsync init`.' }];
    }
    config = loaded.config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Every hook fails closed on an invalid config: nothing else matters until it is fixed.
    return [{ check: 'config', problem: error.message, fix: error.hint ?? `Fix ${CONFIG_FILE}.` }];
  }

  const findings: DoctorFinding[] = [];
  const hooksPath = (await tryGit(['config', '--type=path', '--get', 'core.hooksPath'], { cwd: root }))?.trim() || undefined;
  const huskyScripts = await Promise.all(HOOKS.map((hook) => readText(join(root, '.husky', hook))));
  const usesHusky = huskyScripts.some((script) => script !== undefined);
  let scripts: Array<string | undefined>;

  if (await exists(join(root, HOOKS_DIR, 'h'))) {
    scripts = huskyScripts;
    findings.push(...(await hooksDirFindings(repo, hooksPath, env)));
    HOOKS.forEach((hook, i) => {
      if (scripts[i] === undefined || callsHook(scripts[i], hook)) return;
      findings.push({ check: 'hooks', problem: `.husky/${hook} does not call \`agentsync hook ${hook}\`.`, fix: 'Run `agentsync init`: it adds the line first and keeps every line there.' });
    });
  } else if (usesHusky) {
    scripts = huskyScripts;
    const pkg = await readText(join(root, 'package.json'));
    if (!(await installed('husky', root))) {
      findings.push({
        check: 'husky',
        problem: 'husky is not installed here, so nothing points git at the .husky hooks.',
        fix: pkg?.includes('"husky"')
          ? "Run your package manager's install in this worktree (husky is in package.json)."
          : 'Install it: npm install --save-dev husky, and add "prepare": "husky" to package.json\'s scripts.',
      });
    }
    const target = hooksPath && resolve(root, hooksPath);
    if (target === join(root, '.husky', '_')) {
      if (!(await exists(join(target, 'pre-commit')))) {
        findings.push({
          check: 'hooks',
          problem:
            "Hooks are not active in this worktree: core.hooksPath is .husky/_, but husky's .husky/_ is missing here (husky makes it per checkout, so a fresh worktree or clone has none until its install runs). git runs no hooks at all.",
          fix: 'Run `npx husky` in this worktree (or your package manager\'s install, which runs it).',
        });
      }
    } else if (target !== join(root, '.husky')) {
      findings.push({
        check: 'hooks',
        problem: `Hooks are not active: core.hooksPath is ${hooksPath ? `"${hooksPath}"` : 'not set'}, so git never runs the .husky hooks.`,
        fix: 'Run `npx husky` in this worktree (the "prepare" script does it on install).',
      });
    }
    HOOKS.forEach((hook, i) => {
      if (callsHook(scripts[i] ?? '', hook)) return;
      findings.push({
        check: 'hooks',
        problem: `.husky/${hook} does not call \`agentsync hook ${hook}\`.`,
        fix: 'Run `agentsync init`: it adds the line first and keeps every line there.',
      });
    });
  } else {
    const dir = hooksPath ? resolve(root, hooksPath) : join(repo.commonDir, 'hooks');
    scripts = await Promise.all(HOOKS.map((hook) => readText(join(dir, hook))));
    const configs = (await Promise.all(MANAGER_CONFIGS.map((file) => readText(join(root, file))))).join('\n');
    HOOKS.forEach((hook, i) => {
      if (scripts[i] !== undefined && callsHook(`${scripts[i]}\n${configs}`, hook)) return;
      findings.push({
        check: 'hooks',
        problem: `No ${hook} hook runs AgentSync in this worktree (looked in ${dir} and the hook managers' configs).`,
        fix: 'Run `agentsync init`; where another hook manager owns the hooks, add the lines it prints there and install that manager\'s hooks.',
      });
    });
  }
  if (scripts.some((script) => script?.includes('node_modules/.bin/agentsync')) && !(await exists(join(root, 'node_modules', '.bin', 'agentsync')))) {
    findings.push({
      check: 'binary',
      problem: 'The hooks call node_modules/.bin/agentsync, which is missing in this worktree, so every hook fails with "command not found".',
      fix: "Run your package manager's install in this worktree (with @agentsync/cli in devDependencies).",
    });
  }
  const stale = staleAgentWiring(diskHost(root));
  if (stale.length > 0) {
    findings.push({
      check: 'agent-tools',
      problem: `The agent tools' hooks are missing pieces or are from another version of AgentSync: ${stale.join(', ')}${stale.includes('.agentsync/agent-hook.sh') ? ' (without the script, every edit in those tools is refused)' : ''}.`,
      fix: 'Run `agentsync init`: it rewrites AgentSync\'s entries in place and keeps everything else (docs/agent-tools.md).',
    });
  }
  if (config.hooks.lintStaged && !(await installed('lint-staged', root))) {
    findings.push({
      check: 'lint-staged',
      problem: 'hooks.lintStaged is set, but lint-staged is not installed, so every commit is blocked.',
      fix: 'Install it (npm install --save-dev lint-staged) or set hooks.lintStaged to false.',
    });
  }
  if (config.identity.allowedSigners) {
    const problem = await readableSigners(repo, config.identity.allowedSigners).then(
      () => undefined,
      (error: unknown) => (error instanceof EnvironmentError ? error : Promise.reject(error)),
    );
    if (problem) {
      findings.push({ check: 'identity', problem: `${problem.message} Every store write in an agent's name fails, and so do pre-push and verify.`, fix: problem.hint ?? '' });
    }
  }
  return findings;
}
