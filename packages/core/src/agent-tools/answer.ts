/**
 * How each agent tool wants a hook's answer: what to print on stdout and
 * stderr, and the exit code. Pure; the CLI writes it out.
 *
 * - Claude Code 2.1.328 (https://code.claude.com/docs/en/hooks#pretooluse-decision-control):
 *   exit 0 with `hookSpecificOutput.permissionDecision: "deny"` and a reason, which the
 *   model gets as the tool_result; `additionalContext` for SessionStart and PostToolUse;
 *   Stop continues the turn with `{"decision": "block", "reason"}`.
 * - Codex 0.169.0 takes the same deny JSON (it rejects one without a reason), and blocks on
 *   exit 2 only with a non-empty stderr (codex-rs/hooks/src/events/pre_tool_use.rs,
 *   parse_completed); its Stop continues on exit 2 with the prompt on stderr.
 * - Gemini CLI 0.61.0 (google-gemini/gemini-cli docs/hooks/reference.md, its bundle's HookRunner):
 *   `{"decision": "deny", "reason"}` on stdout; `hookSpecificOutput.additionalContext` for
 *   SessionStart and AfterTool; BeforeTool's `hookSpecificOutput.tool_input` replaces arguments.
 * - Copilot CLI 1.0.102 (https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference):
 *   only a top-level `{"permissionDecision": "deny", "permissionDecisionReason"}` reaches the model;
 *   `{"additionalContext"}` for sessionStart and postToolUse.
 * - Cursor (https://cursor.com/docs/agent/hooks, secondary sources in fixtures/README.md):
 *   `{"permission": "deny", "user_message", "agent_message"}`; sessionStart's `additional_context`.
 * Each checked against the real binary where one runs here (Cursor has none on npm).
 */
import type { AgentTool } from '../domain/agent-instance';
import type { HookPayload } from './payload';

export interface HookAnswer {
  stdout: string;
  stderr: string;
  code: number;
}

/** edit: before a file edit; start: session start; pre-shell and shell: before and after a shell command; stop: the turn ends. */
export type AgentEvent = 'edit' | 'start' | 'pre-shell' | 'shell' | 'stop';

const silent: HookAnswer = { stdout: '', stderr: '', code: 0 };

const json = (value: unknown): HookAnswer => ({ stdout: `${JSON.stringify(value)}\n`, stderr: '', code: 0 });

/** The answer that lets the tool go on and says nothing. */
export const allowAnswer = (): HookAnswer => silent;

/** Refuses an edit, telling the model `reason`. */
export function denyAnswer(tool: AgentTool, reason: string): HookAnswer {
  switch (tool) {
    case 'claude':
    case 'codex':
      return json({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } });
    case 'gemini':
      return json({ decision: 'deny', reason });
    case 'copilot':
      return json({ permissionDecision: 'deny', permissionDecisionReason: reason });
    case 'cursor':
      return json({ permission: 'deny', user_message: reason, agent_message: reason });
  }
}

/** Adds `text` to what the model knows, at session start or after a shell command. */
export function contextAnswer(tool: AgentTool, event: 'start' | 'shell', text: string): HookAnswer {
  if (text === '') return silent;
  switch (tool) {
    case 'claude':
    case 'codex':
      return json({ hookSpecificOutput: { hookEventName: event === 'start' ? 'SessionStart' : 'PostToolUse', additionalContext: text } });
    case 'gemini':
      return json({ hookSpecificOutput: { hookEventName: event === 'start' ? 'SessionStart' : 'AfterTool', additionalContext: text } });
    case 'copilot':
      return json({ additionalContext: text });
    case 'cursor':
      return event === 'start' ? json({ additional_context: text }) : silent;
  }
}

/** Asks the agent to keep going once more, for `reason`, instead of stopping. */
export function continueAnswer(tool: AgentTool, reason: string): HookAnswer {
  switch (tool) {
    case 'claude':
      return json({ decision: 'block', reason });
    case 'codex':
      return { stdout: '', stderr: `${reason}\n`, code: 2 };
    default:
      return silent;
  }
}

/**
 * Gemini CLI gives its shell no session id (fixtures/gemini/shell-tool-env.txt), so the command
 * is prefixed with one: then the git hooks the command runs see the same instance as the edits.
 */
export function shellIdentityAnswer(tool: AgentTool, payload: HookPayload): HookAnswer {
  const command = payload.toolInput.command;
  if (tool !== 'gemini' || typeof command !== 'string' || !payload.sessionId || !/^[A-Za-z0-9-]+$/.test(payload.sessionId)) return silent;
  return json({ hookSpecificOutput: { hookEventName: 'BeforeTool', tool_input: { command: `export GEMINI_SESSION_ID=${payload.sessionId}; ${command}` } } });
}
