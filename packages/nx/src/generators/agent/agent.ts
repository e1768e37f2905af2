import { formatFiles, type Tree } from '@nx/devkit';
import { CONFIG_FILE, validateConfig, type AgentEntry } from '@agentsync/core/config';
import { ConfigError } from '@agentsync/core/errors';
import { writeAgentInstructions } from '@agentsync/core/setup';
import { treeHost } from '../../utils/tree-host';
import type { AgentGeneratorSchema } from './schema';

type RawConfig = { agents?: Array<Partial<AgentEntry>> } & Record<string, unknown>;

/** The profile fields given on the command line; the ones left out keep their current value. */
function givenFields({ name, role, tier, model, maxRisk, instructions }: AgentGeneratorSchema): Partial<AgentEntry> {
  const fields: Partial<AgentEntry> = { name, role, tier, model, maxRisk, instructions };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** `config` with the agent added, or updated in place when one of that name exists. */
export function withAgent(config: RawConfig, fields: Partial<AgentEntry>): RawConfig {
  const agents = config.agents ?? [];
  const index = agents.findIndex((agent) => agent?.name === fields.name);
  const next = index === -1 ? [...agents, fields] : agents.map((agent, i) => (i === index ? { ...agent, ...fields } : agent));
  return { ...config, agents: next };
}

/** Validates the config as it would be written; the problems are named by JSON path, since no line of it exists yet. */
function assertValid(text: string, name: string): void {
  try {
    validateConfig(text, CONFIG_FILE);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = error.issues.map((issue) => `  ${issue.path}: ${issue.message}${issue.hint ? ` (${issue.hint})` : ''}`);
    // Nx prints only the message, so the fix goes into it.
    throw new Error(`Agent "${name}" would make ${CONFIG_FILE} invalid; nothing was written:\n${lines.join('\n')}`);
  }
}

/** `nx g @agentsync/nx:agent NAME …`: adds or updates an agent profile in `.agentsync.json` and lists it in AGENTS.md. */
export async function agentGenerator(tree: Tree, options: AgentGeneratorSchema): Promise<void> {
  const text = tree.read(CONFIG_FILE, 'utf-8');
  if (text === null) {
    throw new Error(`${CONFIG_FILE} does not exist: run \`nx g @agentsync/nx:init\` first.`);
  }
  // Problems already in the file are reported with their line and column, before anything changes.
  validateConfig(text, CONFIG_FILE);
  const config = JSON.parse(text.replace(/^\uFEFF/, '')) as RawConfig;
  const next = withAgent(config, givenFields(options));
  // Compare values, not text: a formatter may have laid the file out differently.
  if (JSON.stringify(next) !== JSON.stringify(config)) {
    const nextText = `${JSON.stringify(next, null, 2)}\n`;
    assertValid(nextText, options.name);
    tree.write(CONFIG_FILE, nextText);
  }
  writeAgentInstructions(treeHost(tree));
  if (!options.skipFormat) await formatFiles(tree);
}

export default agentGenerator;
