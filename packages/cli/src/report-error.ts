/**
 * Turns any error into a message and an exit code. Known errors say what,
 * where and how to fix; anything else, and a git failure no caller explained
 * (GitError), is an internal error, with the stack only under AGENTSYNC_DEBUG=1.
 */
import { EXIT, GitError, isAgentSyncError, type ExitCode } from '@agentsync/core/errors';
import { colors, printJson, type Io } from './io';

const debugging = (io: Io) => io.env.AGENTSYNC_DEBUG === '1';

export function reportError(error: unknown, io: Io, json: boolean, internalExit: ExitCode = EXIT.usage): number {
  const c = colors(io);
  if (isAgentSyncError(error) && !(error instanceof GitError)) {
    if (json) {
      const { name, message, where, hint, exitCode, ...details } = error;
      printJson(io, { ok: false, error: { type: name, message, where, hint, exitCode, ...details } });
    }
    io.err(`${c.red('agentsync:')} ${error.message}`);
    if (error.hint) io.err(`${c.dim('How to fix:')} ${error.hint}`);
    if (debugging(io)) io.err(String(error.stack));
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (json) printJson(io, { ok: false, error: { type: 'InternalError', message, exitCode: internalExit } });
  io.err(`${c.red('agentsync: internal error:')} ${message}`);
  io.err(debugging(io) ? String(error instanceof Error ? error.stack : error) : 'Run again with AGENTSYNC_DEBUG=1 to see the details.');
  return internalExit;
}
