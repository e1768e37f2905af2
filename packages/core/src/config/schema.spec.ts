import { describe, expect, it } from 'vitest';
import { validateConfig } from './load';
import { configSchema, DEFAULT_HOT_FILE_MAX_CHANGED_LINES, DEFAULT_TIERS, defaultConfig } from './schema';

const parse = (config: unknown) => validateConfig(JSON.stringify(config), '.agentsync.json');

describe('configSchema', () => {
  it('fills every default for {}', () => {
    expect(defaultConfig()).toEqual({
      health: { commands: [], targets: [], policy: 'regressions' },
      coordination: { offline: 'fallback', freshness: '15s' },
      claims: { ttl: '2h', blockHumans: false, onEdit: 'claim' },
      hotFiles: [],
      gates: [],
      tiers: DEFAULT_TIERS,
      branches: { pattern: '{agent}/{feature}', enforce: 'warn' },
      sessions: { required: false },
      hooks: { lintStaged: false, failOpen: false },
      identity: {},
      agents: [],
    });
    expect(parse({})).toEqual(defaultConfig());
  });

  it('fills defaults inside objects that are given partly', () => {
    const config = parse({ health: { commands: [{ name: 'test', run: 'npm test' }] }, claims: { ttl: '30m' } });
    expect(config.health).toEqual({ commands: [{ name: 'test', run: 'npm test' }], targets: [], policy: 'regressions' });
    expect(config.claims).toEqual({ ttl: '30m', blockHumans: false, onEdit: 'claim' });
  });

  it('keeps $schema and durations as written', () => {
    const config = parse({ $schema: './schema.json', coordination: { remote: 'origin', freshness: 30 } });
    expect(config.$schema).toBe('./schema.json');
    expect(config.coordination).toEqual({ remote: 'origin', offline: 'fallback', freshness: 30 });
  });

  it('normalizes hot files to objects; a bare glob gets the default line limit', () => {
    const config = parse({
      hotFiles: ['package.json', { path: 'src/index.ts', maxChangedLines: 10 }, { path: 'nx.json', requireClaim: true }],
    });
    expect(config.hotFiles).toEqual([
      { path: 'package.json', maxChangedLines: DEFAULT_HOT_FILE_MAX_CHANGED_LINES, requireClaim: false },
      { path: 'src/index.ts', maxChangedLines: 10, requireClaim: false },
      { path: 'nx.json', requireClaim: true },
    ]);
    expect(DEFAULT_HOT_FILE_MAX_CHANGED_LINES).toBe(200);
  });

  it('merges tier overrides field by field over the defaults', () => {
    const config = parse({ tiers: { '2': { model: 'gpt-5' }, '4': { tokens: { max: 50000 } }, '1': { tokens: { min: 100 } } } });
    expect(config.tiers['1']).toEqual({ ...DEFAULT_TIERS['1'], tokens: { min: 100, max: 2000 } });
    expect(config.tiers['2']).toEqual({ ...DEFAULT_TIERS['2'], model: 'gpt-5' });
    expect(config.tiers['3']).toEqual(DEFAULT_TIERS['3']);
    expect(config.tiers['4']).toEqual({ ...DEFAULT_TIERS['4'], tokens: { min: 20000, max: 50000 } });
  });

  it('has the default tiers of the design', () => {
    expect(Object.values(DEFAULT_TIERS).map((t) => [t.name, t.tokens.min, t.tokens.max, t.maxRisk])).toEqual([
      ['Simple', 500, 2000, 'low'],
      ['Medium', 2000, 8000, 'medium'],
      ['Complex', 8000, 20000, 'high'],
      ['Expert', 20000, undefined, 'critical'],
    ]);
  });

  it('accepts a full config', () => {
    const input = {
      health: {
        commands: [{ name: 'build', run: 'npm run build', timeout: '10m' }, { name: 'test', run: 'npm test', timeout: 600 }],
        targets: ['build', 'test'],
        policy: 'any-failure',
      },
      coordination: { remote: 'agentsync', offline: 'block', freshness: '1m' },
      claims: { ttl: '1h30m', blockHumans: true },
      gates: [{ paths: ['infra/**'], risk: 'critical', requires: 'approval', description: 'production' }],
      branches: { pattern: 'agents/{agent}/{feature}', enforce: 'block' },
      sessions: { required: true },
      hooks: { lintStaged: true, failOpen: true },
      agents: [{ name: 'claude', role: 'reviewer', tier: 3, model: 'claude-opus', maxRisk: 'high', instructions: 'Review.' }],
    };
    expect(parse(input)).toMatchObject(input);
    expect(configSchema.safeParse(input).success).toBe(true);
  });
});
