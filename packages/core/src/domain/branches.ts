/** Branch naming: `branches.pattern` such as `{agent}/{feature}`. */
import { toolOfInstance } from './agent-instance';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `branch` fits `pattern` for `agent` (`{agent}` is the agent id, `{feature}` any non-empty rest).
 * Case-insensitive: agent ids are lowercased, so the branch `Claude/x` names the agent `claude`.
 * An agent-tool instance such as `claude-1a2b3c4d` also fits its tool's name: `claude/x`.
 */
export function branchMatches(pattern: string, agent: string, branch: string): boolean {
  const tool = toolOfInstance(agent);
  const names = (tool ? [agent, tool] : [agent]).map(escapeRegExp).join('|');
  const source = pattern
    .split(/(\{agent\}|\{feature\})/)
    .map((part) => (part === '{agent}' ? `(?:${names})` : part === '{feature}' ? '.+' : escapeRegExp(part)))
    .join('');
  return new RegExp(`^${source}$`, 'i').test(branch);
}

/** An example branch name for `agent` under `pattern`, for hints. */
export function exampleBranch(pattern: string, agent: string): string {
  return pattern.replaceAll('{agent}', agent).replaceAll('{feature}', 'my-feature');
}
