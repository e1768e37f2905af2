/**
 * Typed errors: the library throws these, and only the CLI maps them to exit
 * codes and messages. Every error says what went wrong, where, and how to fix it.
 */
import { untilText } from './config/duration';

/** The exit codes (docs/protocol.md, "Exit codes"). */
export const EXIT = { ok: 0, blocked: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorDetails {
  /** Where: a file (with line/column), a JSON path, a ref, a claim holder. */
  where?: string;
  /** How to fix it, one or two sentences. */
  hint?: string;
}

export abstract class AgentSyncError extends Error {
  abstract readonly exitCode: number;
  readonly where?: string;
  readonly hint?: string;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.where = details.where;
    this.hint = details.hint;
  }
}

/** Bad input: arguments, values, unknown commands (exit 2). */
export class UsageError extends AgentSyncError {
  readonly exitCode = EXIT.usage;
}

/** The environment is not usable: not a git repository, git missing, remote unreachable (exit 2). */
export class EnvironmentError extends AgentSyncError {
  readonly exitCode = EXIT.usage;
}

/** One problem found in `.agentsync.json`. */
export interface ConfigIssue {
  /** JSON path such as `health.commands[0].run`, or `(root)`. */
  path: string;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

/** `.agentsync.json` is unreadable or invalid; lists every problem found at once (exit 2). */
export class ConfigError extends AgentSyncError {
  readonly exitCode = EXIT.usage;
  readonly file: string;
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => {
      const at = issue.line ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
      const fix = issue.hint ? ` (${issue.hint})` : '';
      return `  ${at}  ${issue.path}: ${issue.message}${fix}`;
    });
    super(`Invalid configuration in ${file}:\n${lines.join('\n')}`, {
      where: file,
      hint: `Fix the ${issues.length === 1 ? 'entry' : 'entries'} above; node_modules/@agentsync/cli/schema/agentsync.schema.json lists every key (editors use it through "$schema").`,
    });
    this.file = file;
    this.issues = issues;
  }
}

/** AgentTracker.md has a malformed managed region; nothing was written (exit 2). */
export class TrackerError extends AgentSyncError {
  readonly exitCode = EXIT.usage;
  readonly file: string;
  readonly line?: number;

  constructor(file: string, line: number | undefined, message: string, hint?: string) {
    super(`${line ? `${file}:${line}` : file}: ${message}`, { where: line ? `${file}:${line}` : file, hint });
    this.file = file;
    this.line = line;
  }
}

/** A policy said no: a claim conflict, a gate, red health (exit 1). */
export class BlockedError extends AgentSyncError {
  readonly exitCode = EXIT.blocked;
}

/** A claim another agent holds, as reported to the one refused. */
export interface ClaimConflict {
  /** The glob or path that was asked for. */
  requested: string;
  holder: string;
  /** The glob the holder claimed. */
  glob: string;
  /** ISO timestamp at which the holder's lease runs out. */
  expiresAt: string;
  session?: string;
  goal?: string;
}

/** A claim was refused because another agent holds an overlapping one (exit 1). */
export class ClaimConflictError extends BlockedError {
  readonly conflicts: readonly ClaimConflict[];

  constructor(conflicts: readonly ClaimConflict[]) {
    const lines = conflicts.map(
      (c) =>
        `  ${c.requested} is claimed by ${c.holder} (${c.glob}, expires ${untilText(c.expiresAt, new Date())}${c.goal ? `, goal: ${c.goal}` : ''})`,
    );
    super(`Claim refused:\n${lines.join('\n')}`, {
      where: conflicts.map((c) => c.holder).join(', '),
      hint: 'Ask the holder to release it, wait for the lease to expire, or claim something narrower; `agentsync status` lists every claim.',
    });
    this.conflicts = conflicts;
  }
}

/** Stopped by a signal (Ctrl-C): nothing was recorded; exit 128 + the signal's number, as shells do. */
export class InterruptedError extends AgentSyncError {
  readonly exitCode: number;

  constructor(message: string, readonly signal: NodeJS.Signals) {
    super(message);
    // Loaded here, not at the top: errors.ts is on every hook's path, interruptions are not.
    const { constants } = require('node:os') as typeof import('node:os');
    this.exitCode = 128 + (constants.signals[signal] ?? 0);
  }
}

/** Health checks stopped by a signal: nothing was recorded. */
export class HealthInterrupted extends InterruptedError {
  constructor(signal: NodeJS.Signals) {
    super(`Health checks interrupted by ${signal}; nothing was recorded.`, signal);
  }
}

/** The coordination remote could not be reached (or refused us for a reason other than a lost race) (exit 2). */
export class RemoteUnreachableError extends EnvironmentError {}

/**
 * A git command that exited non-zero where no caller turned that into a
 * message: the CLI reports it as an internal error, with git's own words.
 */
export class GitError extends AgentSyncError {
  readonly exitCode = EXIT.usage;

  constructor(
    readonly args: readonly string[],
    /** Git's exit code; null when it was killed. */
    readonly gitExitCode: number | null,
    readonly stderr: string,
    readonly timedOut = false,
    /** What git printed before failing: some commands (merge-file) report through the exit code. */
    readonly stdout = '',
  ) {
    super(`git ${args.join(' ')} ${timedOut ? 'timed out' : `exited ${gitExitCode}`}: ${stderr.trim()}`);
  }
}

/** Why a file could not be read or written, in words: "does not exist", "is a directory", ... */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ENOENT: 'does not exist',
    EISDIR: 'is a directory, not a file',
    ENOTDIR: 'is under something that is not a directory',
    EACCES: 'is not accessible (permission denied)',
    EPERM: 'is not accessible (operation not permitted)',
    ELOOP: 'is a loop of symbolic links',
  };
  return (code && words[code]) ?? `cannot be read (${code ?? (error as Error)?.message ?? String(error)})`;
}

export function isAgentSyncError(error: unknown): error is AgentSyncError {
  return error instanceof AgentSyncError;
}
