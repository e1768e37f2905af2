import { execFileSync } from 'node:child_process';
import {
  createProjectGraphAsync,
  formatFiles,
  getProjects,
  installPackagesTask,
  logger,
  readNxJson,
  updateNxJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { CONFIG_FILE } from '@agentsync/core/config';
import { configuresLintStaged, initRepository, parseAgentsOption, setupClone, withDevDependencies } from '@agentsync/core/setup';
import { PLUGIN_NAME } from '../../utils/constants';
import { recentChanges, suggestHotFiles } from '../../utils/hot-files';
import { treeHost } from '../../utils/tree-host';
import { agentsyncVersion, huskyVersion, lintStagedVersion } from '../../utils/versions';
import type { InitGeneratorSchema } from './schema';

/** Targets worth running as health checks, cheapest first; only those some project has are configured. */
const HEALTH_TARGET_CANDIDATES = ['build', 'typecheck', 'lint', 'test'];

/**
 * The candidate targets some project has. Inferred targets exist only in the project graph;
 * the Tree adds projects an earlier generator of this same run created.
 */
async function detectHealthTargets(tree: Tree): Promise<string[]> {
  const graph = await createProjectGraphAsync();
  const projects = [...getProjects(tree).values(), ...Object.values(graph.nodes).map((node) => node.data)];
  const present = new Set(projects.flatMap((project) => Object.keys(project.targets ?? {})));
  return HEALTH_TARGET_CANDIDATES.filter((target) => present.has(target));
}

/** The repository's `core.hooksPath`, so core can tell when another hook manager owns the hooks. */
function gitHooksPath(root: string): string | undefined {
  try {
    const out = execFileSync('git', ['config', '--get', 'core.hooksPath'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim() || undefined;
  } catch {
    return undefined; // Unset, or not a git repository.
  }
}

/** Registers the plugin in nx.json once, which gives every project the inferred health target. */
function addNxPlugin(tree: Tree): void {
  const nxJson = readNxJson(tree) ?? {};
  if (nxJson.plugins?.some((entry) => (typeof entry === 'string' ? entry : entry.plugin) === PLUGIN_NAME)) return;
  updateNxJson(tree, { ...nxJson, plugins: [...(nxJson.plugins ?? []), PLUGIN_NAME] });
}

/**
 * Adds the CLI, where AgentSync's husky hooks were installed husky, and lint-staged where the
 * repository configures it, at the versions this plugin was built with; a version the user
 * already has is never changed, and package.json keeps its key order.
 */
function addDevDependencies(tree: Tree): void {
  const preCommit = tree.read('.husky/pre-commit', 'utf-8') ?? '';
  // Core's line differs by package manager (Yarn PnP calls `yarn agentsync`), so look for any call of the hook.
  const huskyHooks = /\bagentsync\b[^\n]*\bhook\s+pre-commit\b/.test(preCommit);
  const usesLintStaged = configuresLintStaged(treeHost(tree)) || /^[^#\n]*\blint-staged\b/m.test(preCommit);
  const devDependencies: Record<string, string> = { '@agentsync/cli': agentsyncVersion };
  if (huskyHooks) devDependencies.husky = huskyVersion;
  if (huskyHooks && usesLintStaged) devDependencies['lint-staged'] = lintStagedVersion;
  const text = tree.read('package.json', 'utf-8') as string;
  const next = withDevDependencies(text, devDependencies);
  if (next !== text) tree.write('package.json', next);
}

/** `nx g @agentsync/nx:init` (and `nx add @agentsync/nx`): the same scaffolding as `agentsync init`, plus Nx's parts. */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema): Promise<GeneratorCallback> {
  const host = treeHost(tree);
  // Core never rewrites an existing config, so only a new one is worth the project graph and the history.
  const seed = tree.exists(CONFIG_FILE)
    ? {}
    : {
        healthTargets: await detectHealthTargets(tree),
        hotFiles: suggestHotFiles(recentChanges(tree.root), (path) => tree.exists(path)),
      };
  const agents = parseAgentsOption(Array.isArray(options.agents) ? options.agents.join(',') : options.agents);
  const result = initRepository(host, { ...seed, gitHooksPath: gitHooksPath(tree.root), cliVersion: agentsyncVersion, huskyVersion, agents });
  addNxPlugin(tree);
  if (tree.exists('package.json')) addDevDependencies(tree);
  for (const note of result.notes) logger.warn(note);
  if (!options.skipFormat) await formatFiles(tree);
  // installPackagesTask installs only when package.json changed, with the workspace's package manager.
  return async () => {
    if (!options.skipInstall) installPackagesTask(tree);
    // The install's prepare sets up the clone too (merge driver, core.hooksPath); this covers skipInstall.
    await setupClone(tree.root);
  };
}

export default initGenerator;
