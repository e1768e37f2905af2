/**
 * @agentsync/core: AgentSync's domain logic as a library. No argument parsing,
 * no printing, no process.exit: errors are typed (see ./errors) and the caller
 * decides what to show. Each module is also importable alone
 * (`@agentsync/core/claims`), which is how the git hooks stay fast.
 */
export * from './errors';
export * from './git';
export * from './config';
export * from './tracker';
export * from './globs';
export * from './identity';
export * from './state';
export * from './store';
export * from './context';
export * from './claims';
export * from './sessions';
export * from './changes';
export * from './policy';
export * from './hooks';
export * from './init';
export * from './file-host';
export * from './instructions';
export * from './branches';
export * from './versions';
export * from './health';
export * from './verify';
export * from './merge-driver';
export * from './hooks-dir';
export * from './setup';
export * from './uninstall';
export * from './ci';
export * from './remote';
export * from './trailers';
export * from './doctor';
