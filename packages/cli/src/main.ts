/**
 * The agentsync entry point: picks the command, loads only its module, and is
 * the one place that turns errors into messages and exit codes.
 */
import { GLOBAL_HELP, helpText, parseCommandArgs, type Command } from './command';
import { processIo, type Io } from './io';

// require, not import(): the package is CommonJS and import() would start the ESM loader.
type Loader = () => { default: Command };

/** Every command with its one-line summary; modules load lazily so startup costs only what runs. */
const commands: Record<string, { summary: string; load: Loader }> = {
  init: { summary: 'scaffold .agentsync.json, AgentTracker.md and the git hooks', load: () => require('./commands/init') },
  start: { summary: 'pre-work assessment, then start a session and claim paths', load: () => require('./commands/start') },
  claim: { summary: 'claim paths (globs) for the current agent', load: () => require('./commands/claim') },
  release: { summary: "release the current agent's claims", load: () => require('./commands/release') },
  status: { summary: 'sessions, claims and suggested next work', load: () => require('./commands/status') },
  check: { summary: 'would these paths be blocked for me?', load: () => require('./commands/check') },
  note: { summary: 'write partial work into AgentTracker.md now', load: () => require('./commands/note') },
  health: { summary: 'run the health checks and compare with the baseline', load: () => require('./commands/health') },
  end: { summary: 'end the session: release claims, write the handoff', load: () => require('./commands/end') },
  verify: { summary: 'for CI: re-check the commits of a range as the hooks would', load: () => require('./commands/verify') },
  setup: { summary: "per-clone setup: the tracker's merge driver, core.hooksPath", load: () => require('./commands/setup') },
  'merge-tracker': { summary: 'git merge driver for AgentTracker.md', load: () => require('./commands/merge-tracker') },
  hook: { summary: 'git hook entry points: pre-commit, commit-msg, pre-push', load: () => require('./commands/hook') },
  report: { summary: 'merge conflicts, deploys, rework, health and coordination from the history', load: () => require('./commands/report') },
  doctor: { summary: 'diagnose the installation and say how to fix each finding', load: () => require('./commands/doctor') },
  mcp: { summary: 'the same operations as an MCP server on stdio, for agent tools', load: () => require('./commands/mcp') },
  uninstall: { summary: 'take AgentSync out of this repository', load: () => require('./commands/uninstall') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`);
  return `Usage: agentsync <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n${GLOBAL_HELP}\n\nRun \`agentsync <command> --help\` for a command's options.\nExit codes: 0 ok, 1 blocked by policy, 2 bad input or environment.\n`;
}

/** `agentsync --agent bob claim x` as `agentsync claim x --agent bob`: the global options may come first. */
function globalOptionsAfterCommand(argv: string[]): string[] {
  let i = 0;
  while (argv[i] === '--json' || argv[i] === '--agent' || argv[i]?.startsWith('--agent=')) i += argv[i] === '--agent' ? 2 : 1;
  return i === 0 || i >= argv.length ? argv : [argv[i], ...argv.slice(0, i), ...argv.slice(i + 1)];
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = globalOptionsAfterCommand(argv);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(require('../package.json').version);
    return 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.err(`agentsync: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  const json = rest.includes('--json');
  try {
    const command = entry.load().default;
    const { values, positionals } = parseCommandArgs(name, command, rest);
    if (values.help) {
      io.out(helpText(name, command));
      return 0;
    }
    return await command.run({ values: values as never, positionals, io });
  } catch (error) {
    return (require('./report-error') as typeof import('./report-error')).reportError(error, io, json);
  }
}
