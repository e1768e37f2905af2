/**
 * Who is acting. First found wins (docs/protocol.md, "Identity"): `--agent ID`, env
 * `AGENTSYNC_AGENT`, git config `agentsync.agent`, the branch prefix `<agent>/…`,
 * then the agent tool detected from the environment it gives the commands it runs.
 */
import { currentBranch, tryGit, type Repo } from '../git/git';
import { UsageError } from '../errors';

export type IdentitySource = 'flag' | 'env' | 'git-config' | 'branch' | 'detected';

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
}

export type AgentTool = 'claude' | 'codex' | 'gemini' | 'copilot';

/**
 * Variables each tool sets in the shells it runs commands in. Only variables with a
 * public source are listed:
 * - Claude Code: `CLAUDECODE=1` (its nested-session guard says "unset the CLAUDECODE
 *   environment variable": https://github.com/anthropics/claude-code/issues/29543) and
 *   `CLAUDE_CODE_ENTRYPOINT` (https://github.com/anthropics/claude-code/issues/32618).
 * - Codex CLI: `CODEX_SANDBOX` and `CODEX_SANDBOX_NETWORK_DISABLED` (openai/codex
 *   codex-rs/core/src/spawn.rs), `CODEX_THREAD_ID` (https://github.com/openai/codex/pull/10096).
 * - Gemini CLI: `GEMINI_CLI=1` (google-gemini/gemini-cli
 *   packages/core/src/services/shellExecutionService.ts, GEMINI_CLI_IDENTIFICATION_ENV_VAR).
 * - GitHub Copilot coding agent and Copilot CLI: `COPILOT_AGENT_SESSION_ID` (environment
 *   dumps in https://github.com/watson/is-ci/issues/28 and
 *   https://github.com/dynatrace-oss/dtctl/issues/288). Copilot agent mode in VS Code sets
 *   nothing of its own (https://github.com/microsoft/vscode/issues/311382).
 */
const TOOL_SIGNALS: ReadonlyArray<{ tool: AgentTool; vars: readonly string[] }> = [
  { tool: 'claude', vars: ['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT'] },
  { tool: 'codex', vars: ['CODEX_THREAD_ID', 'CODEX_SANDBOX', 'CODEX_SANDBOX_NETWORK_DISABLED'] },
  { tool: 'gemini', vars: ['GEMINI_CLI'] },
  { tool: 'copilot', vars: ['COPILOT_AGENT_SESSION_ID'] },
];

const AGENT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const SOURCE_NAMES: Record<IdentitySource, string> = {
  flag: '--agent',
  env: 'AGENTSYNC_AGENT',
  'git-config': 'git config agentsync.agent',
  branch: 'the branch name',
  detected: 'the detected agent tool',
};

const SOURCE_FIXES: Record<IdentitySource, string> = {
  flag: 'Pass a valid id, e.g. `--agent claude`.',
  env: 'Set a valid id, e.g. `AGENTSYNC_AGENT=claude`, or unset it.',
  'git-config': 'Run `git config agentsync.agent claude` with a valid id, or `git config --unset agentsync.agent`.',
  branch: 'Name the branch ID/feature, e.g. `claude/fix-login`.',
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
  const fromBranch = agentFromBranch(input.branch);
  if (fromBranch) return { agent: fromBranch, source: 'branch' };
  const tool = detectAgentTool(input.env);
  return tool ? { agent: tool, source: 'detected' } : undefined;
}

/** Reads git config `agentsync.agent` and the current branch of `repo`. */
export async function loadIdentityInputs(repo: Repo, env: NodeJS.ProcessEnv, flag?: string): Promise<IdentityInputs> {
  // The flag and AGENTSYNC_AGENT outrank git config: then it is not worth a git call.
  const explicit = Boolean(flag || env.AGENTSYNC_AGENT);
  const [gitConfig, branch] = await Promise.all([
    explicit ? undefined : tryGit(['config', '--get', 'agentsync.agent'], { cwd: repo.root }),
    currentBranch(repo),
  ]);
  return { flag, env, gitConfig: gitConfig?.replace(/\n$/, ''), branch };
}

/** Resolves the acting agent in `repo`; asks git only when flag and env say nothing. */
export async function resolveAgentIn(repo: Repo, env: NodeJS.ProcessEnv, flag?: string): Promise<Identity | undefined> {
  // Only flag and env outrank git; detection must wait for git config and the branch.
  const quick = resolveAgent({ flag, env: { AGENTSYNC_AGENT: env.AGENTSYNC_AGENT } });
  return quick ?? resolveAgent(await loadIdentityInputs(repo, env, flag));
}

/** Like {@link resolveAgentIn}, but a UsageError naming every way to set an identity when there is none. */
export async function requireAgentIn(repo: Repo, env: NodeJS.ProcessEnv, flag?: string): Promise<Identity> {
  const identity = await resolveAgentIn(repo, env, flag);
  if (identity) return identity;
  throw new UsageError('No agent identity.', {
    hint:
      'Set one with `--agent ID`, `AGENTSYNC_AGENT=ID`, `git config agentsync.agent ID`, or work on a branch named `ID/feature`. ' +
      'Running inside Claude Code, Codex, Gemini CLI or Copilot is detected automatically.',
  });
}
