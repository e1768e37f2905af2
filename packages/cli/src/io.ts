/**
 * Where a command writes, and how: plain text or JSON, colored or not.
 * Commands never touch process.stdout directly, so tests can run them in-process.
 */

export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (colors). */
  isTTY: boolean;
  /**
   * Rewrites a live progress line on stderr in place (`\r`, no newline), and
   * clears it when given ''; undefined where stderr is not a terminal.
   */
  liveLine?(text: string): void;
}

export function processIo(): Io {
  // A reader that went away (`agentsync status | head -1`) ends the output, not the command: no crash, no stack.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTTY: Boolean(process.stdout.isTTY),
    liveLine: process.stderr.isTTY ? (text) => process.stderr.write(`\r${text}\x1b[K`) : undefined,
  };
}

/** Colors that respect NO_COLOR and FORCE_COLOR, and stay off when not on a terminal. */
export function colors(io: Io) {
  const { NO_COLOR, FORCE_COLOR } = io.env;
  const enabled = NO_COLOR !== undefined && NO_COLOR !== '' ? false : FORCE_COLOR !== undefined ? FORCE_COLOR !== '0' : io.isTTY;
  // Loaded when something is printed: a hook that passes prints nothing.
  return (require('picocolors') as typeof import('picocolors')).createColors(enabled);
}

/** All of stdin as text; '' on a terminal (nobody is piping anything). */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function printJson(io: Io, data: unknown): void {
  io.out(JSON.stringify(data, null, 2));
}

export { untilText } from '@agentsync/core/config/duration';
