/** Every version the generators write into a workspace: the ones this plugin was built and tested with. */
export { agentsyncVersion, huskyVersion, lintStagedVersion } from '@agentsync/core/setup';
