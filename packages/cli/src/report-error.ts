/**
 * Turns any error into a message and an exit code. Known errors say what,
 * where and how to fix; anything else, and a git failure no caller explained
 * (GitError), is an internal error, with the stack only under AGENTSYNC_DEBUG=1.
 */
import { EXIT, GitError, isAgentSyncError, type AgentSyncError, type ExitCode } from '@agentsync/core/errors';
import { colors, printJson, type Io } from './io';

const debugging = (io: Io) => io.env.AGENTSYNC_DEBUG === '1';

/** A known error, as opposed to a bug or a git failure no caller explained. */
const isKnown = (error: unknown): error is AgentSyncError => isAgentSyncError(error) && !(error instanceof GitError);

/** The `error` object of a failed `--json` run or MCP call: a known error's fields, or just an internal error's message. */
export function errorPayload(error: unknown, internalExit: ExitCode = EXIT.usage): { type: string; message: string; where?: string; hint?: string; exitCode: number; [detail: string]: unknown } {
  if (!isKnown(error)) return { type: 'InternalError', message: error instanceof Error ? error.message : String(error), exitCode: internalExit };
  const { name, message, where, hint, exitCode, ...details } = error;
  return { type: name, message, where, hint, exitCode, ...details };
}

/** Prints `error` for a person (and as JSON with --json); returns its exit code. */
export function reportError(error: unknown, io: Io, json: boolean, internalExit: ExitCode = EXIT.usage): number {
  const c = colors(io);
  const payload = errorPayload(error, internalExit);
  if (json) printJson(io, { ok: false, error: payload });
  if (isKnown(error)) {
    io.err(`${c.red('agentsync:')} ${error.message}`);
    if (error.hint) io.err(`${c.dim('How to fix:')} ${error.hint}`);
    if (debugging(io)) io.err(String(error.stack));
    return error.exitCode;
  }
  io.err(`${c.red('agentsync: internal error:')} ${payload.message}`);
  io.err(debugging(io) ? String(error instanceof Error ? error.stack : error) : 'Run again with AGENTSYNC_DEBUG=1 to see the details.');
  return internalExit;
}
