/** Installing AgentSync into a repository: init, agent instructions, CI workflow, doctor, merge driver. */
export * from './init';
export * from './file-host';
export * from './instructions';
export * from './versions';
export * from './merge-driver';
export * from './ci';
export * from './doctor';
