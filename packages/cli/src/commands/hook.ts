import { pathToFileURL } from 'node:url';
import { CONFIG_FILE } from '@agentsync/core/config/cached';
import { ConfigError, UsageError } from '@agentsync/core/errors';
import { openRepo, type Repo } from '@agentsync/core/git';
import type { HookName, HookOutcome } from '@agentsync/core/hooks';
import { defineCommand } from '../command';
import { colors, printJson, readStdin, type Io } from '../io';
import { reportError } from '../report-error';

const HOOK_NAMES: readonly HookName[] = ['pre-commit', 'commit-msg', 'pre-push'];
const AGENT_HOOKS = ['agent-edit', 'agent-start', 'agent-pre-shell', 'agent-shell', 'agent-stop'];

export default defineCommand({
  args: "pre-commit|commit-msg|pre-push [git's hook arguments] | agent-edit|agent-start|agent-pre-shell|agent-shell|agent-stop",
  description: `
The git hook entry points, called from .agentsync/hooks (and .husky/*). Exit 0
lets git go on, 1 blocks.
  pre-commit  blocks staged paths claimed by another agent, oversized hot-file
              edits, risk-gated paths, and commits outside a required session;
              then runs lint-staged when hooks.lintStaged is set
  commit-msg  adds Agent:, Agent-Session:, Agent-Tier: trailers; requires
              Approved-by: where a gate asks for approval
  pre-push    re-checks every pushed commit, catching --no-verify commits, then
              runs health on each pushed tip (unless that tree passed before)
              and blocks a regression against the session's baseline

With coordination.remote set, claims are fetched first (always at pre-push)
and a block is confirmed against a fresh fetch.

Quiet when nothing is wrong; silent in repositories without .agentsync.json.
AGENTSYNC_SKIP=1 skips with a warning and an audit record (reason from
AGENTSYNC_SKIP_REASON); HUSKY=0 skips like husky does. An internal error
blocks (fail closed) unless hooks.failOpen is true.

The agent-* hooks are called by the agent tools' own hooks (wired by
\`agentsync init\`, through .agentsync/agent-hook.sh), with the tool's JSON
payload on stdin, and answer in that tool's format (docs/agent-tools.md):
  agent-edit   before an edit: refuses files others hold or gates forbid,
               claims the rest (claims.onEdit); an internal error refuses
  agent-start  session start: identity, sessions, claims, next work as context
  agent-pre-shell  before a shell command: carries the instance's id into it
               (Gemini CLI, whose shell has none)
  agent-shell  after a shell command: changed files that others hold
  agent-stop   at the end: a reminder, once, of claims and an open session
`,
  json: 'print the findings as JSON on stdout (messages still go to stderr)',
  options: { tool: { type: 'string', value: 'TOOL', description: 'for the agent-* hooks: claude, codex, gemini, copilot or cursor' } },
  async run({ values, positionals, io }) {
    const [name, ...args] = positionals;
    if (AGENT_HOOKS.includes(name)) {
      const { runAgentHook } = require('./agent-hook') as typeof import('./agent-hook');
      return runAgentHook(name.slice('agent-'.length), values.tool, io);
    }
    if (!HOOK_NAMES.includes(name as HookName)) {
      throw new UsageError(`Unknown hook ${JSON.stringify(name ?? '')}.`, { hint: 'Use agentsync hook pre-commit, commit-msg, pre-push, or agent-edit|agent-start|agent-shell|agent-stop --tool TOOL.' });
    }
    const hook = name as HookName;
    const repo = await openRepo(io.cwd);
    let outcome: HookOutcome;
    try {
      outcome = await runHook(hook, repo, io, args);
    } catch (error) {
      reportError(error, io, Boolean(values.json), 1);
      if (error instanceof ConfigError) {
        // The located error above is the whole story: no debug run or failOpen helps here.
        io.err(`agentsync ${hook}: blocked until ${CONFIG_FILE} is valid (an invalid config always blocks); fix the entry above.`);
        return 1;
      }
      const debug = io.env.AGENTSYNC_DEBUG === '1' ? '' : ' Run again with AGENTSYNC_DEBUG=1 to see the details.';
      io.err(`agentsync ${hook}: blocked because the check could not run (fail closed; hooks.failOpen: true lets git go on).${debug}`);
      return 1;
    }
    const blocked = report(hook, outcome, io);
    if (values.json) printJson(io, { ok: !blocked, hook, findings: outcome.findings, skipped: outcome.skipped ?? null });
    return blocked ? 1 : await afterChecks(hook, outcome, repo, io);
  },
});

async function runHook(hook: HookName, repo: Repo, io: Io, args: string[]): Promise<HookOutcome> {
  // Each hook loads its own module only: a commit runs two of them, and none needs the others' code.
  try {
    if (hook === 'pre-commit') return await (require('@agentsync/core/hooks/pre-commit') as typeof import('@agentsync/core/hooks/pre-commit')).preCommit(repo, io.env);
    if (hook === 'commit-msg') {
      if (!args[0]) throw new UsageError('commit-msg needs the message file git passes.', { hint: 'The hook line is: agentsync hook commit-msg "$1"' });
      return await (require('@agentsync/core/hooks/commit-msg') as typeof import('@agentsync/core/hooks/commit-msg')).commitMsg(repo, io.env, args[0]);
    }
    const { prePush } = require('@agentsync/core/hooks/pre-push') as typeof import('@agentsync/core/hooks/pre-push');
    return await prePush(repo, io.env, await readStdin(), {
      // git passes the remote's name and URL; the pre-commit framework passes none (core reads its environment).
      ...(args.length > 0 ? { target: { remote: args[0], url: args[1] } } : {}),
      // A check that really runs can take a while: say so, once per check.
      onHealthCheck: (check, commit) => io.err(`agentsync pre-push: running health check ${check} on ${commit.slice(0, 10)}…`),
    });
  } catch (error) {
    // hooks.failOpen needs a readable config: a broken config always fails closed.
    const { loadConfigCached } = require('@agentsync/core/config/cached') as typeof import('@agentsync/core/config/cached');
    const config = await loadConfigCached(repo.root, `${repo.commonDir}/agentsync`).catch(() => undefined);
    if (!config?.config.hooks.failOpen) throw error;
    io.err(`agentsync ${hook}: internal error, letting git go on (hooks.failOpen): ${(error as Error).message}`);
    return { findings: [] };
  }
}

/** Prints the findings; returns whether any blocks. */
function report(hook: HookName, outcome: HookOutcome, io: Io): boolean {
  if (outcome.findings.length === 0 && outcome.skipped !== 'AGENTSYNC_SKIP') return false;
  const c = colors(io);
  if (outcome.skipped === 'AGENTSYNC_SKIP') {
    io.err(`${c.yellow('agentsync:')} ${hook} checks skipped (AGENTSYNC_SKIP=1); recorded in refs/agentsync/audit.`);
  }
  const blocks = outcome.findings.filter((f) => f.level === 'block');
  for (const finding of outcome.findings) {
    const label = finding.level === 'block' ? c.red(`blocked (${finding.rule})`) : c.yellow(`warning (${finding.rule})`);
    io.err(`agentsync ${hook}: ${label} ${finding.message}\n  ${finding.hint}`);
  }
  if (blocks.length > 0) {
    io.err(`agentsync ${hook}: ${blocks.length} problem(s) block this ${hook === 'pre-push' ? 'push' : 'commit'}. In an emergency: AGENTSYNC_SKIP=1 AGENTSYNC_SKIP_REASON="…" (audited).`);
  }
  return blocks.length > 0;
}

/**
 * After AgentSync's own checks pass: lint-staged in this process (one Node
 * start for both), where the config asks for it and the repo's own pre-commit
 * hook does not run it already.
 */
async function afterChecks(hook: HookName, outcome: HookOutcome, repo: Repo, io: Io): Promise<number> {
  if (hook !== 'pre-commit' || !outcome.config?.hooks.lintStaged || outcome.skipped) return 0;
  const { hookRunsLintStaged } = require('@agentsync/core/hooks/pre-commit') as typeof import('@agentsync/core/hooks/pre-commit');
  if (await hookRunsLintStaged(repo)) return 0;
  let entry: string;
  try {
    entry = require.resolve('lint-staged', { paths: [repo.root] });
  } catch {
    io.err('agentsync pre-commit: hooks.lintStaged is set but lint-staged is not installed. Install it (npm install --save-dev lint-staged) or set hooks.lintStaged to false.');
    return 1;
  }
  try {
    const lintStaged = await loadEsm<(options: { cwd: string }) => Promise<boolean>>(entry);
    return (await lintStaged({ cwd: repo.root })) ? 0 : 1;
  } catch (error) {
    reportError(error, io, false, 1);
    io.err('agentsync pre-commit: lint-staged failed to run; the commit is blocked.');
    return 1;
  }
}

/**
 * The default export of an ES module such as lint-staged. require() comes
 * first: on Node 20 the bin runs this code from V8's code cache, where import()
 * cannot work, and require() loads ES modules from Node 20.19. Where require()
 * cannot (Node 22.0 to 22.11), the bin loads this code as any module, and
 * import() works (bin/agentsync.js).
 */
async function loadEsm<T>(entry: string): Promise<T> {
  try {
    return (require(entry) as { default: T }).default;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
    return ((await import(pathToFileURL(entry).href)) as { default: T }).default;
  }
}
