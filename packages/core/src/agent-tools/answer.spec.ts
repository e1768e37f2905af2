import { describe, expect, it } from 'vitest';
import { continueAnswer, contextAnswer, denyAnswer, shellIdentityAnswer } from './answer';
import { parseHookPayload } from './payload';

const out = (answer: { stdout: string }) => JSON.parse(answer.stdout);

describe('answers in each tool\'s dialect (the formats each tool blocked with when run here, see answer.ts)', () => {
  it('refuses an edit', () => {
    expect(out(denyAnswer('claude', 'why'))).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'why' } });
    expect(out(denyAnswer('codex', 'why'))).toEqual(out(denyAnswer('claude', 'why')));
    expect(out(denyAnswer('gemini', 'why'))).toEqual({ decision: 'deny', reason: 'why' });
    expect(out(denyAnswer('copilot', 'why'))).toEqual({ permissionDecision: 'deny', permissionDecisionReason: 'why' });
    expect(out(denyAnswer('cursor', 'why'))).toEqual({ permission: 'deny', user_message: 'why', agent_message: 'why' });
    for (const tool of ['claude', 'codex', 'gemini', 'copilot', 'cursor'] as const) expect(denyAnswer(tool, 'why').code).toBe(0);
  });

  it('adds context, and says nothing when there is none', () => {
    expect(out(contextAnswer('claude', 'start', 'hi'))).toEqual({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: 'hi' } });
    expect(out(contextAnswer('gemini', 'shell', 'hi'))).toEqual({ hookSpecificOutput: { hookEventName: 'AfterTool', additionalContext: 'hi' } });
    expect(out(contextAnswer('copilot', 'shell', 'hi'))).toEqual({ additionalContext: 'hi' });
    expect(contextAnswer('claude', 'start', '')).toEqual({ stdout: '', stderr: '', code: 0 });
  });

  it('continues a stopping agent once: Claude Code by JSON, Codex by exit 2 with the prompt on stderr', () => {
    expect(out(continueAnswer('claude', 'remind'))).toEqual({ decision: 'block', reason: 'remind' });
    expect(continueAnswer('codex', 'remind')).toEqual({ stdout: '', stderr: 'remind\n', code: 2 });
  });

  it("carries Gemini's session id into its shell command, and leaves anything odd alone", () => {
    const shell = (sessionId: string) => parseHookPayload('gemini', JSON.stringify({ session_id: sessionId, tool_name: 'run_shell_command', tool_input: { command: 'git commit -m x' } }));
    expect(out(shellIdentityAnswer('gemini', shell('c5d818e6-cd8e')))).toEqual({
      hookSpecificOutput: { hookEventName: 'BeforeTool', tool_input: { command: 'export GEMINI_SESSION_ID=c5d818e6-cd8e; git commit -m x' } },
    });
    expect(shellIdentityAnswer('gemini', shell('$(rm -rf /)')).stdout).toBe('');
    expect(shellIdentityAnswer('claude', shell('c5d818e6-cd8e')).stdout).toBe('');
  });
});
