/**
 * The shape of a command module and the argument parsing they share.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '@agentsync/core/errors';
import type { Io } from './io';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** The whole `--help` text: usage line, what it does, each option. */
  help: string;
  options: O;
  run(args: { values: ParsedValues<O & typeof commonOptions>; positionals: string[]; io: Io }): Promise<number>;
}

type ValueOf<S> = S extends { type: 'boolean'; multiple: true }
  ? boolean[]
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { multiple: true }
      ? string[]
      : string;
export type ParsedValues<O extends OptionSpecs> = { [K in keyof O]?: ValueOf<O[K]> };

/** Options every command takes. */
const commonOptions = {
  agent: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/** Parses argv for `command`; unknown options and missing values are usage errors (exit 2). */
export function parseCommandArgs(name: string, command: Command, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...commonOptions, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${name}: ${parseErrorText(error as NodeJS.ErrnoException, argv)}`, {
      hint: `Run \`agentsync ${name} --help\` for its options.`,
    });
  }
}

/** node:util's parser errors in a sentence each, instead of its text written for programmers. */
function parseErrorText(error: NodeJS.ErrnoException, argv: string[]): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}.`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return 'takes no arguments besides its options.';
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/does not take an argument/.test(error.message)) return `${option} takes no value.`;
      const value = argv[argv.indexOf(option) + 1];
      // `--tokens -5` is a value with a dash; `--goal --agent x` is a missing value.
      if (value?.startsWith('-') && !value.startsWith('--')) return `${option} ${value}: a value that starts with "-" reads as an option; write ${option}=${value}.`;
      return `${option} needs a value.`;
    }
    default:
      return error.message;
  }
}
