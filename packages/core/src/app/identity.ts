/**
 * Who is acting. First found wins (docs/protocol.md, "Identity"): `--agent ID`, env
 * `AGENTSYNC_AGENT`, git config `agentsync.agent`, the branch prefix `<agent>/…`,
 * then the agent tool detected from the environment it gives the commands it runs.
 *
 * Within an agent tool, identity is per running instance: the tool's session id
 * (from a hook's payload, or the variable the tool sets in its shell) makes
 * `claude-1a2b3c4d`, the same at edit time, in the git hooks its shell runs and
 * at push. A branch prefix that only names the tool (`claude/feature` inside
 * Claude Code) is refined to the instance, or two instances of one tool on
 * branches named as AgentSync suggests would be one agent.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { currentBranch, tryGit, type Repo } from '../git/git';
import { UsageError } from '../errors';
import { instanceAgentId, type AgentTool } from '../domain/agent-instance';

export type { AgentTool } from '../domain/agent-instance';

export type IdentitySource = 'flag' | 'env' | 'git-config' | 'branch' | 'instance' | 'detected';

export interface Identity {
  agent: string;
  source: IdentitySource;
}

export interface IdentityInputs {
  /** `--agent` from the command line. */
  flag?: string;
  env: NodeJS.ProcessEnv;
  /** The value of git config `agentsync.agent`. */
  gitConfig?: string;
  /** The current branch's short name; absent in detached HEAD. */
  branch?: string;
  /** The agent-tool instance a hook's payload names (its tool and session id); outranks the environment's. */
  instance?: { tool: AgentTool; sessionId?: string };
}

/**
 * Variables each tool sets in the shells it runs commands in (`vars`: any one says
 * the tool is there; `sessionVars`: the first set one is the instance's session id).
 * Only variables with a public source, or seen in the pinned real binary's shell, are listed:
 * - Claude Code: `CLAUDECODE=1` (its nested-session guard says "unset the CLAUDECODE
 *   environment variable": https://github.com/anthropics/claude-code/issues/29543) and
 *   `CLAUDE_CODE_ENTRYPOINT` (https://github.com/anthropics/claude-code/issues/32618).
 *   `CLAUDE_CODE_SESSION_ID`, equal to the hooks' `session_id`, is in its Bash tool's and
 *   its hooks' environment (captured from @anthropic-ai/claude-code 2.1.328:
 *   packages/core/src/agent-tools/fixtures/claude/).
 * - Codex CLI: `CODEX_SANDBOX` and `CODEX_SANDBOX_NETWORK_DISABLED` (openai/codex
 *   codex-rs/core/src/spawn.rs), `CODEX_THREAD_ID` (https://github.com/openai/codex/pull/10096);
 *   `CODEX_SESSION_ID` and `CODEX_THREAD_ID` both equal the hooks' `session_id` in the shell
 *   tool of @openai/codex 0.169.0 (fixtures/codex/shell-tool-env.txt).
 * - Gemini CLI: `GEMINI_CLI=1` (google-gemini/gemini-cli
 *   packages/core/src/services/shellExecutionService.ts, GEMINI_CLI_IDENTIFICATION_ENV_VAR).
 *   Its hooks get `GEMINI_SESSION_ID`; its shell gets none, so AgentSync's BeforeTool hook on
 *   `run_shell_command` prefixes the command with it (agent-tools/answer.ts, shellIdentityAnswer).
 * - GitHub Copilot coding agent and Copilot CLI: `COPILOT_AGENT_SESSION_ID` (environment
 *   dumps in https://github.com/watson/is-ci/issues/28 and
 *   https://github.com/dynatrace-oss/dtctl/issues/288). Copilot agent mode in VS Code sets
 *   nothing of its own (https://github.com/microsoft/vscode/issues/311382).
 */
const TOOL_SIGNALS: ReadonlyArray<{ tool: AgentTool; vars: readonly string[]; sessionVars: readonly string[] }> = [
  { tool: 'claude', vars: ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT', 'CLAUDE_CODE_SESSION_ID'], sessionVars: ['CLAUDE_CODE_SESSION_ID'] },
  {
    tool: 'codex',
    vars: ['CODEX_THREAD_ID', 'CODEX_SESSION_ID', 'CODEX_SANDBOX', 'CODEX_SANDBOX_NETWORK_DISABLED'],
    sessionVars: ['CODEX_SESSION_ID', 'CODEX_THREAD_ID'],
  },
  { tool: 'gemini', vars: ['GEMINI_CLI', 'GEMINI_SESSION_ID'], sessionVars: ['GEMINI_SESSION_ID'] },
  { tool: 'copilot', vars: ['COPILOT_AGENT_SESSION_ID'], sessionVars: ['COPILOT_AGENT_SESSION_ID'] },
];

const AGENT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const SOURCE_NAMES: Record<IdentitySource, string> = {
  flag: '--agent',
  env: 'AGENTSYNC_AGENT',
  'git-config': 'git config agentsync.agent',
  branch: 'the branch name',
  instance: 'the agent tool\'s session',
  detected: 'the detected agent tool',
};

const SOURCE_FIXES: Record<IdentitySource, string> = {
  flag: 'Pass a valid id, e.g. `--agent claude`.',
  env: 'Set a valid id, e.g. `AGENTSYNC_AGENT=claude`, or unset it.',
  'git-config': 'Run `git config agentsync.agent claude` with a valid id, or `git config --unset agentsync.agent`.',
  branch: 'Name the branch ID/feature, e.g. `claude/fix-login`.',
  instance: 'Set the id explicitly with `AGENTSYNC_AGENT=ID`.',
  detected: 'Set the id explicitly with `AGENTSYNC_AGENT=ID`.',
};

/** Lowercases and checks an agent id; throws UsageError naming where the bad id came from. */
export function validateAgentId(id: string, source: IdentitySource): string {
  const agent = id.trim().toLowerCase();
  if (AGENT_ID.test(agent)) return agent;
  throw new UsageError(`Invalid agent id "${id}" from ${SOURCE_NAMES[source]}.`, {
    where: SOURCE_NAMES[source],
    hint: `An agent id is 1-64 lowercase letters, digits, "-", "_" or ".", starting with a letter or digit. ${SOURCE_FIXES[source]}`,
  });
}

/** The agent named by a branch `<agent>/<feature>`, if its prefix is a valid agent id. */
export function agentFromBranch(branch: string | undefined): string | undefined {
  const prefix = branch?.match(/^([^/]+)\/./)?.[1].toLowerCase();
  return prefix !== undefined && AGENT_ID.test(prefix) && !WORKFLOW_PREFIXES.has(prefix) ? prefix : undefined;
}

/**
 * Branch prefixes that name a kind of work or a bot, never an agent: a person on
 * `feature/login` must not be taken for an agent called "feature".
 */
const WORKFLOW_PREFIXES = new Set(
  'feature feat fix bugfix hotfix release releases chore docs doc refactor test tests ci build perf style revert wip dev develop experiment exp spike dependabot renovate gh-readonly-queue users user'.split(' '),
);

/** The agent tool whose environment this is; undefined when none or more than one is seen. */
export function detectAgentTool(env: NodeJS.ProcessEnv): AgentTool | undefined {
  // Tools inherit each other's variables when one runs inside another, and then which
  // one is acting cannot be told: better no identity than a wrong one.
  const found = TOOL_SIGNALS.filter(({ vars }) => vars.some((name) => env[name]));
  return found.length === 1 ? found[0].tool : undefined;
}

/** The instance of `tool` that `env` belongs to: its agent id, or undefined when the tool sets no session id. */
function instanceFromEnv(tool: AgentTool, env: NodeJS.ProcessEnv): string | undefined {
  const vars = TOOL_SIGNALS.find((signal) => signal.tool === tool)?.sessionVars ?? [];
  return instanceAgentId(tool, vars.map((name) => env[name]).find(Boolean));
}

/**
 * Whether `env` (with `flag`) settles who acts without an instance from elsewhere:
 * an explicit id, or the session id of the tool it detects. An MCP server whose
 * tool gives it neither asks its tool's hooks' records (agent-tools/instances.ts).
 */
export function envNamesAgent(env: NodeJS.ProcessEnv, flag?: string): boolean {
  if (flag?.trim() || env.AGENTSYNC_AGENT?.trim()) return true;
  const tool = detectAgentTool(env);
  return tool !== undefined && instanceFromEnv(tool, env) !== undefined;
}

/**
 * The running agent-tool instance: the hook payload's, else the one whose shell
 * this is. `agent` is `<tool>-<short session id>`, or the tool's name when it
 * gives no session id.
 */
function agentToolInstance(input: IdentityInputs): { tool: AgentTool; agent: string; perInstance: boolean } | undefined {
  const tool = input.instance?.tool ?? detectAgentTool(input.env);
  if (!tool) return undefined;
  const agent = input.instance ? instanceAgentId(tool, input.instance.sessionId) ?? instanceFromEnv(tool, input.env) : instanceFromEnv(tool, input.env);
  return { tool, agent: agent ?? tool, perInstance: agent !== undefined };
}

/** Resolves the acting agent from already-gathered inputs (pure). */
export function resolveAgent(input: IdentityInputs): Identity | undefined {
  const explicit: Array<[IdentitySource, string | undefined]> = [
    ['flag', input.flag],
    ['env', input.env.AGENTSYNC_AGENT],
    ['git-config', input.gitConfig],
  ];
  for (const [source, value] of explicit) {
    if (value !== undefined && value.trim() !== '') return { agent: validateAgentId(value, source), source };
  }
  const instance = agentToolInstance(input);
  const fromBranch = agentFromBranch(input.branch);
  // `claude/feature` in Claude Code names the tool, not which of its sessions: the session does.
  if (fromBranch && !(instance?.perInstance && fromBranch === instance.tool)) return { agent: fromBranch, source: 'branch' };
  if (!instance) return undefined;
  return { agent: instance.agent, source: instance.perInstance ? 'instance' : 'detected' };
}

/**
 * Whether git config could set `agentsync.agent`: false only when none of the
 * files git reads has an `[agentsync]` section or includes another file, and no
 * variable adds config. Reading those few small files spares every hook a git
 * process in the usual case; anything unusual asks git. (A system config outside
 * /etc, as Homebrew's git has, is not read: an agent id set for all users of a
 * machine would make no sense.)
 */
async function configMayNameAgent(repo: Repo, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.GIT_CONFIG_COUNT || env.GIT_CONFIG_PARAMETERS || env.GIT_CONFIG || env.GIT_DIR || env.GIT_COMMON_DIR) return true;
  const home = env.HOME ?? homedir();
  const files = [
    join(repo.commonDir, 'config'),
    join(repo.gitDir, 'config.worktree'),
    env.GIT_CONFIG_GLOBAL ?? join(home, '.gitconfig'),
    env.GIT_CONFIG_GLOBAL ? undefined : join(env.XDG_CONFIG_HOME || join(home, '.config'), 'git', 'config'),
    env.GIT_CONFIG_NOSYSTEM ? undefined : (env.GIT_CONFIG_SYSTEM ?? '/etc/gitconfig'),
  ].filter((file): file is string => Boolean(file));
  const texts = await Promise.all(files.map((file) => readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : 'unreadable: ask git'))));
  // `[agentsync]` opens the section of agentsync.agent (the merge driver's `[merge "agentsync-tracker"]` does not).
  return texts.some((text) => /^\s*\[\s*agentsync\s*\]|include|unreadable: ask git/im.test(text));
}

/** Reads git config `agentsync.agent` and the current branch of `repo`. */
export async function loadIdentityInputs(repo: Repo, env: NodeJS.ProcessEnv, flag?: string, instance?: IdentityInputs['instance']): Promise<IdentityInputs> {
  // The flag and AGENTSYNC_AGENT outrank git config: then it is not worth a git call.
  const explicit = Boolean(flag || env.AGENTSYNC_AGENT);
  const readConfig = async () =>
    explicit || !(await configMayNameAgent(repo, env)) ? undefined : tryGit(['config', '--get', 'agentsync.agent'], { cwd: repo.root });
  const [gitConfig, branch] = await Promise.all([readConfig(), currentBranch(repo)]);
  return { flag, env, gitConfig: gitConfig?.replace(/\n$/, ''), branch, ...(instance ? { instance } : {}) };
}

/**
 * Resolves the acting agent in `repo`: the one identity function every command,
 * git hook, agent-tool hook and the MCP server calls. `instance` is the tool and
 * session id an agent tool's hook payload names. Asks git only when flag and env say nothing.
 */
export async function resolveAgentIn(repo: Repo, env: NodeJS.ProcessEnv, flag?: string, instance?: IdentityInputs['instance']): Promise<Identity | undefined> {
  // Only flag and env outrank git; detection must wait for git config and the branch.
  const quick = resolveAgent({ flag, env: { AGENTSYNC_AGENT: env.AGENTSYNC_AGENT } });
  return quick ?? resolveAgent(await loadIdentityInputs(repo, env, flag, instance));
}

/** Like {@link resolveAgentIn}, but a UsageError naming every way to set an identity when there is none. */
export async function requireAgentIn(repo: Repo, env: NodeJS.ProcessEnv, flag?: string, instance?: IdentityInputs['instance']): Promise<Identity> {
  const identity = await resolveAgentIn(repo, env, flag, instance);
  if (identity) return identity;
  throw new UsageError('No agent identity.', {
    hint:
      'Set one with `--agent ID`, `AGENTSYNC_AGENT=ID`, `git config agentsync.agent ID`, or work on a branch named `ID/feature`. ' +
      'Running inside Claude Code, Codex, Gemini CLI or Copilot is detected automatically.',
  });
}
