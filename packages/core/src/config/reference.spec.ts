import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema } from './json-schema';
import { validateConfig } from './load';
import { renderConfigReference } from './reference';

const DOC_FILE = resolve(__dirname, '../../../../docs/config.md');

describe('renderConfigReference', () => {
  const doc = renderConfigReference();

  it('matches docs/config.md (UPDATE_DOCS=1 npx vitest run src/config/reference rewrites it)', () => {
    if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC_FILE, doc);
    const stale = 'docs/config.md is stale: run UPDATE_DOCS=1 npx vitest run src/config/reference in packages/core';
    expect(readFileSync(DOC_FILE, 'utf8'), stale).toBe(doc);
  });

  it('documents every key of the JSON Schema, by the path error messages use', () => {
    const missing: string[] = [];
    const walk = (schema: Record<string, any>, path: string) => {
      const items = schema.items?.properties ? schema.items : schema.items?.anyOf?.find((b: Record<string, any>) => b.properties);
      const object = schema.properties ? schema : items;
      const base = object === items && items ? `${path}[]` : path;
      for (const [key, child] of Object.entries<Record<string, any>>(object?.properties ?? {})) {
        const display = /^\d+$/.test(key) ? `${base}["N"]` : base ? `${base}.${key}` : key;
        if (!doc.includes(`\`${display}\``)) missing.push(display);
        walk(child, display);
      }
    };
    walk(buildJsonSchema(), '');
    expect(missing).toEqual([]);
  });

  it('shows defaults, allowed values and the tier defaults table', () => {
    expect(doc).toContain('| `health.policy` | string | `"regressions"` | `"regressions"`, `"any-failure"` |');
    expect(doc).toContain('| `claims.ttl` | [duration](#durations) | `"2h"` |');
    expect(doc).toContain('| `"1"` | `"Simple"` | `500` | `2000` | `"claude-haiku"` | `"low"` |');
    expect(doc).toContain('| `"4"` | `"Expert"` | `20000` | — | `"claude-opus"` | `"critical"` |');
    expect(doc).toContain('| `health.commands[].name` | string | required | not empty |');
  });

  it('shows an example config that validates', () => {
    const example = /## Example\n\n```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    expect(() => validateConfig(example as string, 'docs/config.md')).not.toThrow();
  });

  it('links every sub-section it mentions to a heading that exists', () => {
    const anchors = new Set(
      [...doc.matchAll(/^#+ (.+)$/gm)].map(([, heading]) =>
        heading
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const [, anchor] of doc.matchAll(/\]\(#([^)]+)\)/g)) expect(anchors, `no heading for #${anchor}`).toContain(anchor);
  });
});
