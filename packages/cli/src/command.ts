/**
 * The shape of a command module and the argument parsing they share.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '@agentsync/core/errors';
import type { Io } from './io';

/** An option as node:util's parser takes it, plus what its help line says. */
type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  /** The help line; more lines after a newline. */
  description: string;
  /** The value's placeholder in the help, such as `TEXT` or `DURATION`. */
  value?: string;
  /** Shown without brackets on the usage line; the command checks it itself, with a message. */
  required?: boolean;
};
type OptionSpecs = Record<string, OptionSpec>;

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** What comes after the name on the usage line, before the options, such as `GLOB…`. */
  args?: string;
  /** What the command does: the help between the usage line and the options. */
  description: string;
  /** Its own options; the help lists them, then the common ones, from these definitions. */
  options: O;
  /** What --json prints, for its help line. */
  json: string;
  /** What --agent means for it, for its help line. */
  agent?: string;
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

/** Options every command takes; their help lines say what each command makes of them. */
const commonOptions = {
  agent: { type: 'string', value: 'ID', description: 'act as this agent' },
  json: { type: 'boolean', description: 'print the result as JSON' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
} as const;

/** The global options and environment, for the top-level help. */
export const GLOBAL_HELP = `Global options (after the command, or before it: agentsync --agent bob claim x):
  --agent ID  act as this agent
  --json      print the result as JSON on stdout (errors too)
  -h, --help  show the help of a command
  -v, --version  print the version

Environment:
  AGENTSYNC_AGENT=ID         the agent identity, when there is no --agent
  AGENTSYNC_SKIP=1           the hooks skip their checks, audited (AGENTSYNC_SKIP_REASON="…")
  HUSKY=0                    the hooks do nothing
  AGENTSYNC_DEBUG=1          stack traces on errors
  NO_COLOR=1, FORCE_COLOR=1  colors off, or on when not on a terminal`;

export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

const flag = (name: string, spec: OptionSpec) => `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;

/** The whole `--help` of `name`: the usage line and the option list built from the option definitions, so neither can drift. */
export function helpText(name: string, command: Command): string {
  const common: OptionSpecs = {
    agent: { ...commonOptions.agent, description: command.agent ?? commonOptions.agent.description },
    json: { ...commonOptions.json, description: command.json },
    help: commonOptions.help,
  };
  const options = Object.entries({ ...command.options, ...common });
  const usage = options
    .filter(([key]) => key !== 'help')
    .map(([key, spec]) => {
      const text = `--${key}${spec.value ? ` ${spec.value}` : ''}`;
      return spec.required ? text : `[${text}]${spec.multiple ? '…' : ''}`;
    });
  const width = Math.max(...options.map(([key, spec]) => flag(key, spec).length));
  const lines = options.map(([key, spec]) => `  ${flag(key, spec).padEnd(width)}  ${spec.description.replaceAll('\n', `\n  ${' '.repeat(width)}  `)}`);
  return `${wrap(['Usage: agentsync', name, ...(command.args ? [command.args] : []), ...usage])}\n\n${command.description.trim()}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** The usage line's words, wrapped under the command's name at 100 columns. */
function wrap(words: string[]): string {
  const indent = ' '.repeat(words[0].length + words[1].length + 2);
  const lines = [`${words[0]} ${words[1]}`];
  for (const word of words.slice(2)) {
    if (`${lines.at(-1)} ${word}`.length > 100) lines.push(`${indent}${word}`);
    else lines[lines.length - 1] += ` ${word}`;
  }
  return lines.join('\n');
}

/** Parses argv for `command`; unknown options and missing values are usage errors (exit 2). */
export function parseCommandArgs(name: string, command: Command, argv: string[]) {
  try {
    // node:util takes only what it knows of each definition.
    const options = Object.fromEntries(
      Object.entries<OptionSpec>({ ...commonOptions, ...command.options }).map(([key, { type, multiple, short }]) => [key, { type, ...(multiple ? { multiple } : {}), ...(short ? { short } : {}) }]),
    ) as NonNullable<ParseArgsConfig['options']>;
    return parseArgs({
      args: argv,
      options,
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
