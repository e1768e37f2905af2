/** @agentsync/nx: the plugin Nx loads from nx.json `plugins`; the generators are listed in generators.json. */
export { createNodes, createNodesV2, type AgentSyncPluginOptions } from './plugins/plugin';
export { postTasksExecution } from './plugins/exit-code';
export { initGenerator } from './generators/init/init';
export { agentGenerator } from './generators/agent/agent';
