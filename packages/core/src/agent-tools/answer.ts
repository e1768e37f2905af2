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
 *   parse_completed; checked against the real binary: fixtures/codex/next-request.*.json).
 */
import type { AgentTool } from './instance';

export interface HookAnswer {
  stdout: string;
  stderr: string;
  code: number;
}

export type AgentEvent = 'edit' | 'start' | 'shell' | 'stop';

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
    default:
      return { stdout: '', stderr: `${reason}\n`, code: 2 };
  }
}

/** Adds `text` to what the model knows, at session start or after a shell command. */
export function contextAnswer(tool: AgentTool, event: 'start' | 'shell', text: string): HookAnswer {
  if (text === '') return silent;
  switch (tool) {
    case 'claude':
    case 'codex':
      return json({ hookSpecificOutput: { hookEventName: event === 'start' ? 'SessionStart' : 'PostToolUse', additionalContext: text } });
    default:
      return silent;
  }
}

/** Asks the agent to keep going once more, for `reason`, instead of stopping. */
export function continueAnswer(tool: AgentTool, reason: string): HookAnswer {
  switch (tool) {
    case 'claude':
    case 'codex':
      return json({ decision: 'block', reason });
    default:
      return silent;
  }
}
