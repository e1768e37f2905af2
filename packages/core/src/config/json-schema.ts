/** The published JSON Schema of `.agentsync.json`, generated from the zod schema so the two never drift. */
import { z } from 'zod';
import { configSchema } from './schema';

/** Where the published schema lives; `$schema` in a config may point here or at node_modules/@agentsync/cli/schema/. */
export const JSON_SCHEMA_ID = 'https://unpkg.com/@agentsync/core/schema/agentsync.schema.json';

/** The JSON Schema (draft 2020-12) of the config as written: defaults shown, nothing defaulted required. */
export function buildJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    $schema,
    $id: JSON_SCHEMA_ID,
    title: 'AgentSync configuration',
    description:
      'The .agentsync.json file: health checks, coordination, claims, hot files, risk gates, tiers, branches and hooks. ' +
      '{} is a valid config.',
    ...schema,
  };
}
