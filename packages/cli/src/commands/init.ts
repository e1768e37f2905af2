import { diskHost, GITHUB_WORKFLOW_PATH, writeGithubWorkflow, detectHealthCommands, initRepository, parseAgentsOption, agentsyncVersion, huskyVersion, HOOKS_DIR, setupClone } from '@agentsync/core/setup';
import { tryGit, openRepo } from '@agentsync/core/git';
import { UsageError } from '@agentsync/core/errors';
import { defineCommand } from '../command';
import { printJson } from '../io';

export default defineCommand({
  description: `
Scaffolds AgentSync into this repository (for repos without Nx; in an Nx
workspace use \`nx g @agentsync/nx:init\`, which does the same):
  .agentsync.json   configuration, with $schema and health checks found in package.json
  AgentTracker.md   the shared tracker
  .agentsync/hooks  the hooks git runs (core.hooksPath), committed so that every
                    worktree runs them; they find agentsync in node_modules or PATH
  .husky/*          pre-commit, commit-msg and pre-push scripts calling agentsync
                    (where there is a package.json)
  AGENTS.md, CLAUDE.md, .github/copilot-instructions.md, GEMINI.md
                    a managed section telling each agent tool the protocol
  .claude/settings.json, .codex/hooks.json, .gemini/settings.json,
  .github/hooks/agentsync.json, .cursor/hooks.json
                    each agent tool's own hooks: edits checked (and claimed) as
                    they happen, context at session start, a reminder at the end;
                    all run .agentsync/agent-hook.sh (docs/agent-tools.md)
  .gitattributes    AgentTracker.md merged by AgentSync's merge driver
  .mcp.json, .codex/config.toml, .gemini/settings.json, .vscode/mcp.json, .cursor/mcp.json
                    the agentsync MCP server registered for each agent tool (merged)
  .agents/skills/agentsync, .claude/skills/agentsync
                    the agentsync Agent Skill
  .claude/commands, .gemini/commands/agentsync, .github/prompts
                    "start session" and "end session" as each tool's own commands
  package.json      husky and @agentsync/cli as devDependencies,
                    "prepare": "husky && agentsync setup" (hooks and merge driver per clone)
and runs \`agentsync setup\`: the merge driver and core.hooksPath in this clone.
Never overwrites a file you changed, never runs a package install, and a
second run changes nothing. Where another hook manager owns the hooks it
prints the lines to add there instead.

`,
  json: 'print the changes as JSON',
  options: {
    agents: { type: 'string', value: 'LIST', description: 'the agent tools to wire, comma-separated (default: all of\nclaude,codex,gemini,copilot,cursor; none for no agent hooks)' },
    ci: { type: 'string', value: 'github', description: 'also write .github/workflows/agentsync.yml: agentsync verify on\nevery pull request\'s commits, with annotations and a summary' },
  },
  async run({ values, io }) {
    if (values.ci !== undefined && values.ci !== 'github') {
      throw new UsageError(`Unknown CI ${JSON.stringify(values.ci)}.`, { hint: 'Only --ci github is supported; for other CI, run `agentsync verify --range BASE..HEAD` in a job.' });
    }
    const agents = parseAgentsOption(values.agents);
    const repo = await openRepo(io.cwd);
    const host = diskHost(repo.root);
    const gitHooksPath = (await tryGit(['config', '--get', 'core.hooksPath'], { cwd: repo.root }))?.trim() || undefined;
    const result = initRepository(host, {
      healthCommands: detectHealthCommands(host),
      gitHooksPath,
      cliVersion: agentsyncVersion,
      huskyVersion,
      agents,
    });
    if (values.ci === 'github' && writeGithubWorkflow(host)) result.changed.push({ path: GITHUB_WORKFLOW_PATH, action: 'created' });
    // After the files: core.hooksPath may only point at a hooks folder that exists.
    const setup = await setupClone(repo.root);
    if (values.json) {
      printJson(io, { ok: true, ...result });
      return 0;
    }
    for (const { path, action } of result.changed) io.out(`${action} ${path}`);
    for (const note of result.notes) io.out(note);
    if (result.changed.length === 0) io.out('AgentSync is already set up here; nothing changed.');
    else if (setup?.hooks) {
      io.out(`The hooks are live in every worktree of this clone (core.hooksPath=${HOOKS_DIR}); commit ${HOOKS_DIR} so other clones get them.`);
      if (result.changed.some((c) => c.path === 'package.json')) io.out("Run your package manager's install to add @agentsync/cli and husky.");
    }
    return 0;
  },
});
