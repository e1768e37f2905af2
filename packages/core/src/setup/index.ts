/** Installing AgentSync into a repository and taking it out: init, the hooks folder, per-clone setup, agent instructions, MCP registration, the skill and session commands, CI workflow, doctor, merge driver, uninstall. */
export * from './init';
export * from './file-host';
export * from './instructions';
export * from './mcp-registration';
export * from './agent-commands';
export * from './protocol-text';
export * from './json-settings';
export * from './toml-table';
export * from './versions';
export * from './merge-driver';
export * from './ci';
export * from './doctor';
export * from './hooks-dir';
export * from './setup-clone';
export * from './uninstall';
export * from './agent-wiring';
export * from './agent-hook-script';
