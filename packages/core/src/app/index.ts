/** What the commands do: open a context, sessions, claims, verify a range, who the agent is. */
export * from './context';
export * from './identity';
export * from './claims';
export * from './sessions';
export * from './verify';
