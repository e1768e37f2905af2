/** Every version that AgentSync writes into a user's repository, in one place. */
export const agentsyncVersion = '^0.1.0';
export const huskyVersion = '^9.1.7';
export const lintStagedVersion = '^16.3.4';
