/** Config constants the hook hot path needs without loading the schema (and so zod). */

/** The config file's name, at the repository root. */
export const CONFIG_FILE = '.agentsync.json';

/** Bump whenever validation or normalization changes the output for the same input; it keys the config cache. */
export const CONFIG_SCHEMA_VERSION = 2;

/** Risk levels, lowest first; here rather than in the schema so policy checks in hooks need no zod. */
export const RISK_ORDER = ['low', 'medium', 'high', 'critical'] as const;
