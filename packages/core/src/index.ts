/**
 * @agentsync/core: AgentSync's domain logic as a library. No argument parsing,
 * no printing, no process.exit: errors are typed (see ./errors) and the caller
 * decides what to show. Each concern is also its own entry point
 * (`@agentsync/core/hooks`, see package.json "exports"), which is how the git
 * hooks stay fast: they load only what they use.
 */
export * from './errors';
export * from './config';
export * from './domain';
export * from './git';
export * from './store';
export * from './health';
export * from './hooks';
export * from './app';
export * from './setup';
export * from './report';
export * from './agent-tools';
export * from './agent-tools/lifecycle';
