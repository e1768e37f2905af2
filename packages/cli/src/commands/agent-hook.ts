/**
 * `agentsync hook agent-*`: the entry points the agent tools' own hooks call.
 * Reads the tool's payload from stdin and answers in the tool's dialect. The
 * edit guard fails closed: whatever goes wrong, the edit is refused with the
 * reason. The others never stand in the agent's way: an error is a line on stderr.
 */
import { UsageError } from '@agentsync/core/errors';
import * as agentTools from '@agentsync/core/agent-tools';
import { AGENT_TOOLS, isAgentTool, type AgentEvent, type AgentTool, type HookAnswer } from '@agentsync/core/agent-tools';
import { readStdin, type Io } from '../io';

const EVENTS: readonly string[] = ['edit', 'start', 'pre-shell', 'shell', 'stop'] satisfies AgentEvent[];

/** Runs the agent hook `event` for `tool`; returns the exit code after writing the answer. */
export async function runAgentHook(event: string, tool: string | undefined, io: Io): Promise<number> {
  if (!EVENTS.includes(event)) throw new UsageError(`Unknown agent hook "agent-${event}".`, { hint: 'Use agent-edit, agent-start, agent-pre-shell, agent-shell or agent-stop.' });
  if (!tool || !isAgentTool(tool)) {
    const error = new UsageError(`agentsync hook agent-${event} needs --tool ${AGENT_TOOLS.join('|')}${tool ? `, not ${JSON.stringify(tool)}` : ''}.`, {
      hint: 'The hook lines `agentsync init` writes pass it; run `agentsync init` again to rewrite them.',
    });
    // Exit 2 refuses an edit (fail closed), but at a stop it would make the agent go on, again and again.
    if (event === 'edit') throw error;
    io.err(`agentsync hook agent-${event}: ${error.message} ${error.hint}`);
    return 0;
  }
  let answer: HookAnswer;
  try {
    answer = await decide(event as AgentEvent, tool, io);
  } catch (error) {
    const detail = io.env.AGENTSYNC_DEBUG === '1' ? `\n${(error as Error).stack}` : '';
    const message = `${(error as Error).message}${detail}`;
    answer =
      event === 'edit'
        ? agentTools.denyAnswer(tool, `AgentSync could not check this edit, so it is refused (fail closed): ${message}\nFix the cause (\`agentsync doctor\` helps), or ask a person to.`)
        : { stdout: '', stderr: `agentsync hook agent-${event}: ${message}\n`, code: 0 };
  }
  if (answer.stdout) io.out(answer.stdout);
  if (answer.stderr) io.err(answer.stderr);
  return answer.code;
}

async function decide(event: AgentEvent, tool: AgentTool, io: Io): Promise<HookAnswer> {
  const payload = agentTools.parseHookPayload(tool, await readStdin());
  // Gemini CLI's and Codex's MCP servers learn their session from this record; it is written once a session.
  const recorded = agentTools.recordHookInstance(tool, payload.sessionId, payload.cwd ?? io.cwd);
  const answer = await answerEvent(event, tool, payload, io);
  await recorded;
  return answer;
}

async function answerEvent(event: AgentEvent, tool: AgentTool, payload: agentTools.HookPayload, io: Io): Promise<HookAnswer> {
  // Before a shell command nothing is checked: it only carries the instance into the shell (Gemini CLI).
  if (event === 'pre-shell') return agentTools.shellIdentityAnswer(tool, payload);
  const request = { tool, payload, env: io.env, cwd: io.cwd };
  if (event === 'edit') {
    const verdict = await agentTools.guardEdit(request);
    return verdict.refusal ? agentTools.denyAnswer(tool, verdict.refusal) : agentTools.allowAnswer();
  }
  const lifecycle = require('@agentsync/core/agent-tools/lifecycle') as typeof import('@agentsync/core/agent-tools/lifecycle');
  if (event === 'start') return agentTools.contextAnswer(tool, 'start', await lifecycle.sessionStartContext(request));
  if (event === 'shell') return agentTools.contextAnswer(tool, 'shell', await lifecycle.shellChangesContext(request));
  const reminder = await lifecycle.stopReminder(request);
  return reminder ? agentTools.continueAnswer(tool, reminder) : agentTools.allowAnswer();
}
