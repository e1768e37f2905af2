export { loadConfigCached, CONFIG_CACHE_FILE } from './cached';
export { CONFIG_FILE, CONFIG_SCHEMA_VERSION, RISK_ORDER } from './constants';
export { parseDuration, DURATION_PATTERN } from './duration';
export { buildJsonSchema, JSON_SCHEMA_ID } from './json-schema';
export { loadConfig, validateConfig } from './load';
export {
  configSchema,
  defaultConfig,
  DEFAULT_HOT_FILE_MAX_CHANGED_LINES,
  DEFAULT_TIERS,
  TIER_NUMBERS,
  type AgentEntry,
  type AgentSyncConfig,
  type AgentSyncConfigInput,
  type Gate,
  type HealthCommand,
  type HotFile,
  type Risk,
  type TierConfig,
  type TierNumber,
} from './schema';
