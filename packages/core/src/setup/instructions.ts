/**
 * Agent instruction files: AGENTS.md (Codex, Copilot's coding agent and most
 * others), CLAUDE.md (Claude Code reads it instead of AGENTS.md),
 * .github/copilot-instructions.md and GEMINI.md. Each gets a short section
 * between stable markers that tells the agent the protocol and the commands;
 * the rest of the file is the user's and is kept byte for byte.
 */
import { CONFIG_FILE } from '../config/constants';
import { validateConfig } from '../config/load';
import { defaultConfig, TIER_NUMBERS, type AgentEntry, type AgentSyncConfig } from '../config/schema';
import { UsageError } from '../errors';
import { writeIfChanged, type FileChange, type FileHost } from './file-host';
import { IDENTITY_SENTENCE, NO_BYPASS_SENTENCE, REFUSAL_SENTENCE } from './protocol-text';

export const INSTRUCTIONS_BEGIN = '<!-- agentsync:begin instructions -->';
export const INSTRUCTIONS_END = '<!-- agentsync:end instructions -->';

/** The files written, in order; CLAUDE.md only imports AGENTS.md so the two never disagree. */
export const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md', '.github/copilot-instructions.md', 'GEMINI.md'] as const;

/** What the sections say depends on the repository: its config (tiers, agents) and whether it uses Nx. */
export interface InstructionsContext {
  config: AgentSyncConfig;
  nx: boolean;
}

/**
 * How instructions call the CLI: plain npx of the unscoped name, where nothing is installed (a
 * fresh worktree), would fetch and run whatever the registry has under that name.
 */
export const RUN_AGENTSYNC = 'npx --no-install agentsync';

/** The protocol, as every agent tool that reads a whole file gets it. */
function protocolSection({ config, nx }: InstructionsContext): string {
  const tiers = TIER_NUMBERS.map((n) => {
    const { name, tokens, model } = config.tiers[n];
    return `${n} ${name} (${tokens.max === undefined ? `${tokens.min}+` : `${tokens.min}–${tokens.max}`} tokens, ${model})`;
  }).join(', ');
  const health = `\`${RUN_AGENTSYNC} health\`${nx ? ' (or `npx nx affected -t agentsync-health`)' : ''}`;
  return [
    '## AgentSync: how to work in this repository',
    `Several AI agents and people share this repository. AgentSync enforces this protocol with git hooks; \`${RUN_AGENTSYNC} <command> --help\` explains each command.`,
    [
      `1. Assess: read \`AgentTracker.md\` (active sessions, claims, handoffs, suggested next work), then start a session: \`${RUN_AGENTSYNC} start --goal "<goal>" --tier <1-4> --claim "<glob>"\`.`,
      `2. Claim before you edit: \`${RUN_AGENTSYNC} claim "<glob>"\`; \`${RUN_AGENTSYNC} check <path>\` says whether a path is free. ${REFUSAL_SENTENCE} A commit that touches another agent's claim is blocked. ${NO_BYPASS_SENTENCE}`,
      `3. Work in small steps: keep edits to hot files small, and write partial work down at once with \`${RUN_AGENTSYNC} note "<text>"\`.`,
      `4. Keep the baseline green: run ${health} before every handoff; a regression blocks the handoff.`,
      `5. Hand off: \`${RUN_AGENTSYNC} end --summary "<what you did>" --next "<what comes next>"\` runs the health checks, releases your claims and records the handoff in \`AgentTracker.md\`.`,
    ].join('\n'),
    `Token budget tiers: ${tiers}.`,
    IDENTITY_SENTENCE,
  ].join('\n\n');
}

/** One list line per agent profile in the config's `agents` catalog. */
function agentLine(agent: AgentEntry): string {
  const facts = [
    agent.tier && `tier ${agent.tier}`,
    agent.model && `model ${agent.model}`,
    agent.maxRisk && `max risk ${agent.maxRisk}`,
  ].filter(Boolean);
  // A list item is one line; instructions written over several lines are joined.
  const instructions = agent.instructions?.trim().replace(/\s*\n\s*/g, ' ');
  return `- \`${agent.name}\`${agent.role ? ` — ${agent.role}` : ''}${facts.length ? ` (${facts.join(', ')})` : ''}${instructions ? `: ${instructions}` : ''}`;
}

/** The managed section of each instruction file, without markers. */
function instructionSections(context: InstructionsContext): Record<(typeof INSTRUCTION_FILES)[number], string> {
  const protocol = protocolSection(context);
  const agents = context.config.agents.length
    ? `\n\n### Agents\n\n${context.config.agents.map(agentLine).join('\n')}`
    : '';
  return {
    'AGENTS.md': protocol + agents,
    // Claude Code expands `@path` imports, so CLAUDE.md stays one line plus a reason.
    'CLAUDE.md': '@AGENTS.md\n\nClaude Code: AGENTS.md, imported above, is the AgentSync protocol for this repository; follow it for every task.',
    '.github/copilot-instructions.md': protocol,
    'GEMINI.md': protocol,
  };
}

const BEGIN_LINE = /^[ \t]*<!--\s*agentsync:begin instructions\s*-->[ \t]*\r?$/m;
const END_LINE = /^[ \t]*<!--\s*agentsync:end instructions\s*-->[ \t]*\r?$/m;

/**
 * `existing` with its managed section set to `body`: replaced between the markers, or
 * appended after a blank line when there is none. Throws UsageError for a lone marker.
 */
export function withManagedSection(existing: string | undefined, body: string, file: string): string {
  const eol = existing?.includes('\r\n') ? '\r\n' : '\n';
  // Blank lines around the body keep Markdown formatters (prettier) from changing the section.
  const section = [INSTRUCTIONS_BEGIN, '', body, '', INSTRUCTIONS_END].join('\n').replace(/\n/g, eol);
  if (existing === undefined || existing.trim() === '') return `${section}${eol}`;
  const begin = BEGIN_LINE.exec(existing);
  const end = END_LINE.exec(begin ? existing.slice(begin.index) : existing);
  if (!begin && !end) return `${existing.replace(/(\r?\n)*$/, '')}${eol}${eol}${section}${eol}`;
  if (!begin || !end) {
    const at = (begin ?? end)!.index;
    throw new UsageError(`${file} has the AgentSync ${begin ? 'begin' : 'end'} marker without its ${begin ? 'end' : 'begin'} marker.`, {
      where: `${file}:${existing.slice(0, at).split('\n').length}`,
      hint: `Restore the pair "${INSTRUCTIONS_BEGIN}" … "${INSTRUCTIONS_END}", or delete the marker to have the section appended.`,
    });
  }
  const stop = begin.index + end.index + end[0].replace(/\r$/, '').length;
  return `${existing.slice(0, begin.index)}${section}${existing.slice(stop)}`;
}

/**
 * Writes the managed section of every agent instruction file, creating files that are absent;
 * the agents listed come from `.agentsync.json`. Idempotent. Returns the files changed.
 */
export function writeAgentInstructions(host: FileHost): FileChange[] {
  const configText = host.read(CONFIG_FILE);
  const context: InstructionsContext = {
    config: configText === undefined ? defaultConfig() : validateConfig(configText, CONFIG_FILE),
    nx: host.read('nx.json') !== undefined,
  };
  const changed: FileChange[] = [];
  for (const [file, body] of Object.entries(instructionSections(context))) {
    writeIfChanged(host, changed, file, withManagedSection(host.read(file), body, file));
  }
  return changed;
}
