import { CONFIG_FILE } from '@agentsync/core/config';

/** The plugin's name in nx.json `plugins`. */
export const PLUGIN_NAME = '@agentsync/nx';
/** The inferred target's default name; the plugin option `targetName` changes it. */
export const HEALTH_TARGET_NAME = 'agentsync-health';
/** The checks' own inputs decide the health result; the no-op itself depends only on the config that names them. */
export const HEALTH_INPUTS = [`{workspaceRoot}/${CONFIG_FILE}`];
