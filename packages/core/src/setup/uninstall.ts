/**
 * `agentsync uninstall`: takes out what init and setup put in, and nothing
 * else. Each part of the installation has a remover; the list below is the
 * one place that knows them all, so a feature that installs something adds its
 * remover there (one line). What people wrote stays: `.agentsync.json`,
 * AgentTracker.md, every hook line and script part that is not AgentSync's;
 * `refs/agentsync/*` (the claims' history) goes only when asked.
 */
import { rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { git, tryGit } from '../git/git';
import { HOOK_STUB, HOOKS_DIR, RUNNER } from './hooks-dir';
import { callsHook, HOOKS, parsePackageJson, TRACKER_ATTRIBUTES_LINE, writePackageJson } from './init';
import { removeAgentCommands } from './agent-commands';
import { removeAgentWiring } from './agent-wiring';
import type { FileChange } from './file-host';
import { INSTRUCTION_FILES, INSTRUCTIONS_BEGIN, INSTRUCTIONS_END } from './instructions';
import { unregisterMcpServer } from './mcp-registration';

/** What a remover works on: the worktree's files by repo-relative path, and git in it. */
export interface UninstallContext {
  root: string;
  read(path: string): string | undefined;
  write(path: string, content: string): void;
  remove(path: string): void;
}

/** One part of the installation: removes it and says what it removed ("" when there was nothing). */
export type Remover = (ctx: UninstallContext) => Promise<string[]> | string[];

const lines = (text: string) => text.split(/(?<=\n)/);

/** AgentSync's lines out of `.husky/*`; a hook left with nothing but a shebang and blanks goes. */
const removeHookLines: Remover = (ctx) => {
  const done: string[] = [];
  for (const hook of HOOKS) {
    const path = `.husky/${hook}`;
    const text = ctx.read(path);
    if (text === undefined || !callsHook(text, hook)) continue;
    const kept = lines(text).filter((line) => !callsHook(line, hook)).join('');
    if (kept.replace(/^#!.*$/m, '').trim() === '') ctx.remove(path);
    else ctx.write(path, kept);
    done.push(`removed AgentSync's line from ${path}`);
  }
  return done;
};

/** The committed hooks folder, and core.hooksPath back to husky's where husky still has hooks here. */
const removeHooksDir: Remover = async (ctx) => {
  const done: string[] = [];
  for (const name of ['h', ...HOOKS]) {
    const path = `${HOOKS_DIR}/${name}`;
    const text = ctx.read(path);
    // A file someone changed is theirs now.
    if (text === RUNNER || text === HOOK_STUB) {
      ctx.remove(path);
      done.push(`deleted ${path}`);
    }
  }
  const hooksPath = (await tryGit(['config', '--get', 'core.hooksPath'], { cwd: ctx.root }))?.trim().replace(/\/+$/, '');
  if (hooksPath === HOOKS_DIR) {
    const husky = HOOKS.some((hook) => ctx.read(`.husky/${hook}`) !== undefined);
    if (husky) await git(['config', 'core.hooksPath', '.husky/_'], { cwd: ctx.root });
    else await git(['config', '--unset', 'core.hooksPath'], { cwd: ctx.root });
    done.push(husky ? 'core.hooksPath is husky\'s .husky/_ again' : 'unset core.hooksPath');
  }
  return done;
};

/** `agentsync setup` (and `yarn agentsync setup`) out of the install scripts init wrote it into. */
const removePackageScripts: Remover = (ctx) => {
  const text = ctx.read('package.json');
  if (text === undefined) return [];
  const pkg = parsePackageJson(text);
  const scripts: Record<string, string> = { ...(pkg.scripts ?? {}) };
  const done: string[] = [];
  for (const name of ['prepare', 'postinstall']) {
    const script = scripts[name];
    if (!script || !/\bagentsync setup\b/.test(script)) continue;
    const rest = script.replace(/\s*&&\s*(yarn )?agentsync setup\b|^(yarn )?agentsync setup\s*(&&\s*)?/g, '').trim();
    if (rest) scripts[name] = rest;
    else delete scripts[name];
    done.push(rest ? `package.json: "${name}" is "${rest}" again` : `package.json: removed the "${name}" script`);
  }
  // Keys keep their order; the file its indentation and line ends.
  if (done.length > 0) ctx.write('package.json', writePackageJson(text, { ...pkg, scripts }));
  return done;
};

/** The tracker's merge driver: its git config and its .gitattributes line. */
const removeMergeDriver: Remover = async (ctx) => {
  const done: string[] = [];
  if ((await tryGit(['config', '--get', 'merge.agentsync-tracker.driver'], { cwd: ctx.root })) !== undefined) {
    await git(['config', '--remove-section', 'merge.agentsync-tracker'], { cwd: ctx.root });
    done.push('removed merge.agentsync-tracker from the git config');
  }
  const attributes = ctx.read('.gitattributes');
  if (attributes !== undefined && lines(attributes).some((line) => line.trim() === TRACKER_ATTRIBUTES_LINE)) {
    const kept = lines(attributes).filter((line) => line.trim() !== TRACKER_ATTRIBUTES_LINE).join('');
    if (kept.trim() === '') ctx.remove('.gitattributes');
    else ctx.write('.gitattributes', kept);
    done.push(`removed "${TRACKER_ATTRIBUTES_LINE}" from .gitattributes`);
  }
  return done;
};

/** The managed section of each agent instruction file; a file that held nothing else goes. */
const removeInstructions: Remover = (ctx) => {
  const done: string[] = [];
  for (const file of INSTRUCTION_FILES) {
    const text = ctx.read(file);
    const begin = text?.indexOf(INSTRUCTIONS_BEGIN) ?? -1;
    const end = text?.indexOf(INSTRUCTIONS_END, begin) ?? -1;
    if (text === undefined || begin === -1 || end === -1) continue;
    const kept = `${text.slice(0, begin).replace(/\s*$/, '')}${text.slice(end + INSTRUCTIONS_END.length).replace(/^\r?\n/, '')}`;
    if (kept.trim() === '') ctx.remove(file);
    else ctx.write(file, kept.endsWith('\n') ? kept : `${kept}\n`);
    done.push(`removed AgentSync's section from ${file}`);
  }
  return done;
};

/** The Nx plugin's entry in nx.json, which `nx g @agentsync/nx:init` added. */
const removeNxPlugin: Remover = (ctx) => {
  const text = ctx.read('nx.json');
  if (text === undefined) return [];
  const nx = JSON.parse(text) as { plugins?: Array<string | { plugin: string }> };
  const plugins = nx.plugins?.filter((entry) => (typeof entry === 'string' ? entry : entry.plugin) !== '@agentsync/nx');
  if (!plugins || plugins.length === nx.plugins?.length) return [];
  ctx.write('nx.json', writePackageJson(text, { ...nx, plugins }));
  return ['removed the @agentsync/nx plugin from nx.json'];
};

const said = (changes: FileChange[]) => changes.map((c) => `${c.action === 'deleted' ? 'deleted' : 'removed AgentSync from'} ${c.path}`);

/** The agent tools' own hooks (.claude/settings.json and the others) and the script they run. */
const removeAgentHooks: Remover = (ctx) => said(removeAgentWiring(ctx));

/** The MCP server's entry in each agent tool's config (.mcp.json and the others). */
const removeMcpRegistration: Remover = (ctx) => said(unregisterMcpServer(ctx));

/** The Agent Skill and the session commands, where they are still as init wrote them. */
const removeSkillAndCommands: Remover = (ctx) => said(removeAgentCommands(ctx));

/**
 * Every remover, in the order they run: whatever init installs plugs its remover
 * in here, one line. The agent hooks go before the MCP registration, as both may
 * share a file (.gemini/settings.json), which goes once nothing is left in it.
 */
export const REMOVERS: readonly Remover[] = [
  removeHookLines,
  removeHooksDir,
  removePackageScripts,
  removeMergeDriver,
  removeInstructions,
  removeAgentHooks,
  removeMcpRegistration,
  removeSkillAndCommands,
  removeNxPlugin,
];

/** Deletes every ref under refs/agentsync/ in this clone (not on any remote); returns their names. */
export async function removeCoordinationRefs(root: string): Promise<string[]> {
  const refs = (await git(['for-each-ref', '--format=%(refname)', 'refs/agentsync/'], { cwd: root })).split('\n').filter(Boolean);
  if (refs.length > 0) await git(['update-ref', '--stdin'], { cwd: root, input: refs.map((ref) => `delete ${ref}\n`).join('') });
  return refs;
}

/** A remover context on the disk under `root`. */
export function diskUninstallContext(root: string, host: { read(path: string): string | undefined; write(path: string, content: string): void }): UninstallContext {
  return {
    root,
    read: (path) => host.read(path),
    write: (path, content) => host.write(path, content),
    remove(path) {
      rmSync(join(root, path), { force: true });
      // Folders it leaves empty go too (.agentsync/hooks, then .agentsync); rmdir refuses a folder with anything in it.
      for (let dir = dirname(path); dir !== '.'; dir = dirname(dir)) {
        try {
          rmdirSync(join(root, dir));
        } catch {
          break;
        }
      }
    },
  };
}

/** Runs every remover; returns what each removed, in order. */
export async function uninstall(ctx: UninstallContext, removers: readonly Remover[] = REMOVERS): Promise<string[]> {
  const done: string[] = [];
  for (const remover of removers) done.push(...(await remover(ctx)));
  return done;
}
