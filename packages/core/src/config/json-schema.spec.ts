import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, JSON_SCHEMA_ID } from './json-schema';

const SCHEMA_FILE = join(__dirname, '..', '..', 'schema', 'agentsync.schema.json');
/** The copy @agentsync/cli ships, since the published CLI does not depend on core (its bundle holds it). */
const CLI_SCHEMA_FILE = join(__dirname, '..', '..', '..', 'cli', 'schema', 'agentsync.schema.json');

describe('buildJsonSchema', () => {
  const schema = buildJsonSchema();

  it('matches the committed schema file (UPDATE_SCHEMA=1 npx vitest run src/config rewrites it)', () => {
    const expected = `${JSON.stringify(schema, null, 2)}\n`;
    for (const file of [SCHEMA_FILE, CLI_SCHEMA_FILE]) {
      if (process.env.UPDATE_SCHEMA === '1') writeFileSync(file, expected);
      const stale = `${file} is stale: run UPDATE_SCHEMA=1 npx vitest run src/config`;
      expect(readFileSync(file, 'utf8'), stale).toBe(expected);
    }
  });

  it('describes the file as written: strict, nothing required, $schema allowed', () => {
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: JSON_SCHEMA_ID,
      type: 'object',
      additionalProperties: false,
      properties: { $schema: { type: 'string' } },
    });
    expect(schema).not.toHaveProperty('required');
  });

  it('shows hot files in both forms and tiers as partial overrides', () => {
    const properties = schema.properties as Record<string, Record<string, unknown>>;
    expect(properties.hotFiles.items).toMatchObject({
      anyOf: [{ type: 'string' }, { type: 'object', required: ['path'], additionalProperties: false }],
    });
    expect(properties.tiers).toMatchObject({ additionalProperties: false, default: {} });
    expect(Object.keys(properties.tiers.properties as object)).toEqual(['1', '2', '3', '4']);
    expect(properties.tiers.properties).not.toHaveProperty(['1', 'required']);
  });
});
