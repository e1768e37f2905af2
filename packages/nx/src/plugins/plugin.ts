/**
 * Inferred targets: every project gets `agentsync-health`, a no-op that depends on the
 * project's own health targets (`health.targets` in `.agentsync.json`), so
 * `nx run-many -t agentsync-health` checks the workspace and
 * `nx affected -t agentsync-health` checks a handoff.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodesV2, type TargetConfiguration } from '@nx/devkit';
import { CONFIG_FILE, validateConfig } from '@agentsync/core/config';
import picomatch = require('picomatch');
import { parse as parseYaml } from 'yaml';
import { HEALTH_INPUTS, HEALTH_TARGET_NAME } from '../utils/constants';

export interface AgentSyncPluginOptions {
  /** The inferred target's name; default `agentsync-health`. */
  targetName?: string;
  /** The targets it runs, instead of `health.targets` from `.agentsync.json`. */
  targets?: string[];
}

/** The health target of one project: a no-op whose dependencies are the checks. */
export function healthTarget(checks: readonly string[]): TargetConfiguration {
  return {
    executor: 'nx:noop',
    // A plain target name means this project's target; Nx skips one the project does not have.
    dependsOn: [...checks],
    cache: true,
    inputs: HEALTH_INPUTS,
    metadata: {
      technologies: ['agentsync'],
      description: checks.length
        ? `AgentSync health: runs this project's ${checks.join(', ')} targets, those it has.`
        : `AgentSync health: no checks yet; list Nx targets in health.targets of ${CONFIG_FILE}.`,
    },
  };
}

/** `health.targets` from the workspace's config; none when there is no config. Throws ConfigError for an invalid one. */
export function configuredHealthTargets(workspaceRoot: string): string[] {
  const file = join(workspaceRoot, CONFIG_FILE);
  if (!existsSync(file)) return [];
  return validateConfig(readFileSync(file, 'utf8'), CONFIG_FILE).health.targets;
}

/** Package-manager workspace globs: package.json `workspaces` (npm, yarn, bun) and pnpm-workspace.yaml `packages`. */
function workspaceGlobs(workspaceRoot: string): string[] {
  const read = (file: string) => {
    const path = join(workspaceRoot, file);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  };
  const pkg = read('package.json');
  const workspaces = pkg === undefined ? undefined : JSON.parse(pkg).workspaces;
  const pnpm = read('pnpm-workspace.yaml');
  const globs: unknown[] = [
    ...(Array.isArray(workspaces) ? workspaces : (workspaces?.packages ?? [])),
    ...(pnpm === undefined ? [] : (parseYaml(pnpm)?.packages ?? [])),
  ];
  return globs.filter((glob): glob is string => typeof glob === 'string').map((glob) => glob.replace(/^\.\//, '').replace(/\/+$/, ''));
}

/**
 * Which project files make a project, as Nx itself decides: every project.json, and a package.json
 * only inside the package manager's workspaces, so a stray one (a test fixture) never becomes a project.
 */
function projectFileFilter(workspaceRoot: string): (file: string) => boolean {
  const globs = workspaceGlobs(workspaceRoot);
  const include = picomatch(globs.filter((glob) => !glob.startsWith('!')));
  const exclude = picomatch(globs.filter((glob) => glob.startsWith('!')).map((glob) => glob.slice(1)));
  return (file) => basename(file) === 'project.json' || (include(dirname(file)) && !exclude(dirname(file)));
}

export const createNodes: CreateNodesV2<AgentSyncPluginOptions> = [
  '**/{project.json,package.json}',
  (configFiles, options, context) => {
    const targetName = options?.targetName ?? HEALTH_TARGET_NAME;
    // A target cannot depend on itself.
    const checks = (options?.targets ?? configuredHealthTargets(context.workspaceRoot)).filter((t) => t !== targetName);
    const isProject = projectFileFilter(context.workspaceRoot);
    return createNodesFromFiles(
      (file) => {
        const root = dirname(file);
        // The glob matches the workspace root's own files; the root is the workspace, not a project to check.
        if (root === '.' || !isProject(file)) return {};
        return { projects: { [root]: { targets: { [targetName]: healthTarget(checks) } } } };
      },
      configFiles,
      options,
      context,
    );
  },
];

/** The same plugin for Nx versions that look for `createNodesV2`. */
export const createNodesV2 = createNodes;
