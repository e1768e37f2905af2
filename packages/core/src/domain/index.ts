/** The pure part of AgentSync: no file system, no processes, no git (domain-purity.spec.ts checks). */
export * from './branches';
export * from './globs/globs';
export * from './policy';
export * from './state';
export * from './state-delta';
export * from './tracker';
export * from './trailers';
export * from './commit-dates';
export * from './agent-instance';
export * from './signatures';
