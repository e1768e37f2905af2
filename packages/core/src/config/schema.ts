/**
 * The `.agentsync.json` schema: the single source of the config's types, defaults and
 * normalization, and of the published JSON Schema (see json-schema.ts).
 */
import { z } from 'zod';
import { RISK_ORDER } from './constants';
import { DURATION_PATTERN, durationMs, MAX_DURATION, MAX_DURATION_MS } from './duration';
import { cleanGlob, GLOB_HINT, globProblem } from '../domain/globs/globs';

/** A risk level; compare two by their index in {@link RISK_ORDER}. */
export type Risk = (typeof RISK_ORDER)[number];

export const TIER_NUMBERS = ['1', '2', '3', '4'] as const;
export type TierNumber = (typeof TIER_NUMBERS)[number];

export interface TierConfig {
  name: string;
  tokens: { min: number; max?: number };
  model: string;
  maxRisk: Risk;
}

/** Token budget tiers (docs/protocol.md, "Session start: tiers, budgets, models"); a config overrides them field by field. */
export const DEFAULT_TIERS: Readonly<Record<TierNumber, TierConfig>> = {
  '1': { name: 'Simple', tokens: { min: 500, max: 2000 }, model: 'claude-haiku', maxRisk: 'low' },
  '2': { name: 'Medium', tokens: { min: 2000, max: 8000 }, model: 'claude-sonnet', maxRisk: 'medium' },
  '3': { name: 'Complex', tokens: { min: 8000, max: 20000 }, model: 'claude-opus', maxRisk: 'high' },
  '4': { name: 'Expert', tokens: { min: 20000 }, model: 'claude-opus', maxRisk: 'critical' },
};

/** The line limit a hot file listed as a bare glob string gets. */
export const DEFAULT_HOT_FILE_MAX_CHANGED_LINES = 200;

/** A hot file after normalization; without maxChangedLines its edits are not size-limited. */
export interface HotFile {
  path: string;
  maxChangedLines?: number;
  requireClaim: boolean;
}

/** A value as quoted in a message: strings and numbers as written, anything else by its JSON type. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number') return String(value);
  return jsonType(value);
}

/** The JSON type of a parsed value: "array", "null", "object", "string", ... */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

const text = () => z.string().regex(/\S/, { error: 'must not be empty' });
/** A glob held to the claims' rules (globs.ts), so an entry that would protect nothing is an error. */
const glob = () =>
  text()
    .superRefine((value, ctx) => {
      // A blank one is already "must not be empty".
      const problem = value.trim() === '' ? undefined : globProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', input: value, message: `glob ${showValue(value)} ${problem}`, params: { hint: GLOB_HINT } });
    })
    .overwrite(cleanGlob)
    .meta({ description: 'A glob relative to the repository root, such as "src/**/*.ts".' });
const risk = z.enum(RISK_ORDER);

const durationError = (issue: { input?: unknown }) =>
  `expected a duration such as "30m" or "2h", got ${showValue(issue.input)}`;
const duration = z
  .union(
    [
      z.string().regex(DURATION_PATTERN, { error: durationError }),
      z.number().int({ error: durationError }).positive({ error: durationError }),
    ],
    { error: durationError },
  )
  .refine((value) => (durationMs(value) ?? 0) <= MAX_DURATION_MS, {
    error: (issue) => `must be at most ${MAX_DURATION}, got ${showValue(issue.input)}`,
  })
  .meta({ description: 'A number of seconds, or a string such as "90s", "30m", "1h30m", "2h" or "1d".' });

/** Flags every entry whose name an earlier entry already took. */
function uniqueNames(what: string) {
  return (items: readonly { name?: unknown }[], ctx: z.RefinementCtx) => {
    const seen = new Set<unknown>();
    items.forEach((item, index) => {
      if (typeof item?.name !== 'string') return;
      if (seen.has(item.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          input: item.name,
          message: `duplicate ${what} name ${JSON.stringify(item.name)}`,
          params: { hint: `give each ${what} its own name` },
        });
      }
      seen.add(item.name);
    });
  };
}

/** Run name checks even when some entries are invalid, so one pass reports every problem. */
const everyArray = { when: (payload: { value: unknown }) => Array.isArray(payload.value) };

const healthCommand = z.strictObject({
  name: text().meta({ description: 'Shown in reports and used to compare a run with the baseline.' }),
  run: text().meta({ description: 'A shell command run from the repository root; exit code 0 means it passed.' }),
  timeout: duration.optional(),
});

const health = z
  .strictObject({
    commands: z.array(healthCommand).superRefine(uniqueNames('command'), everyArray).default([]),
    targets: z
      .array(text())
      .default([])
      .meta({ description: 'Nx targets run on affected projects where Nx is present, such as "build" and "test".' }),
    policy: z
      .enum(['regressions', 'any-failure'])
      .default('regressions')
      .meta({ description: '"regressions" fails only on checks that passed in the baseline; "any-failure" on every failure.' }),
  })
  .prefault({});

const coordination = z
  .strictObject({
    remote: z
      .string()
      .regex(/^(?!-)\S+$/, {
        error: (issue) => `expected a git remote name such as "origin", got ${showValue(issue.input)}`,
      })
      .optional()
      .meta({ description: 'The git remote that publishes refs/agentsync/*, so other clones see the same claims.' }),
    offline: z
      .enum(['fallback', 'block'])
      .default('fallback')
      .meta({ description: 'When the remote is unreachable: use the local view ("fallback") or refuse ("block").' }),
    freshness: duration.default('15s').meta({ description: 'How old a fetch of the remote may be before it is repeated.' }),
  })
  .prefault({});

const claims = z
  .strictObject({
    ttl: duration.default('2h').meta({ description: 'How long a claim lasts unless its session renews it.' }),
    blockHumans: z.boolean().default(false).meta({ description: 'Whether claims also block commits by people.' }),
    onEdit: z
      .enum(['claim', 'check', 'off'])
      .default('claim')
      .meta({
        description:
          'What an edit through an agent tool\'s hook does: "claim" checks the paths and claims the unclaimed ones for that instance, "check" only refuses paths others hold, "off" leaves it to the commit.',
      }),
  })
  .prefault({});

const hotFile = z
  .union([
    glob(),
    z.strictObject({
      path: glob(),
      maxChangedLines: z.number().int().positive().optional(),
      requireClaim: z.boolean().default(false),
    }),
  ], { error: (issue) => `expected a glob string or an object with "path", got ${jsonType(issue.input)}` })
  .transform(
    (entry): HotFile =>
      typeof entry === 'string'
        ? { path: entry, maxChangedLines: DEFAULT_HOT_FILE_MAX_CHANGED_LINES, requireClaim: false }
        : entry,
  )
  .meta({
    description:
      'A file many agents edit. A bare glob is short for ' +
      `{"path": glob, "maxChangedLines": ${DEFAULT_HOT_FILE_MAX_CHANGED_LINES}}.`,
  });

const gate = z.strictObject({
  paths: z.array(glob()).min(1),
  risk: risk.meta({ description: 'Only sessions whose tier may touch this risk level may commit these paths.' }),
  requires: z
    .literal('approval')
    .optional()
    .meta({ description: 'Also require an "Approved-by:" trailer on commits touching these paths.' }),
  description: z.string().optional(),
});

const tokenCount = z.number().int().nonnegative();
const tierOverride = z.strictObject({
  name: text().optional(),
  tokens: z.strictObject({ min: tokenCount.optional(), max: tokenCount.optional() }).optional(),
  model: text().optional(),
  maxRisk: risk.optional(),
});

const tiers = z
  .strictObject({
    '1': tierOverride.optional(),
    '2': tierOverride.optional(),
    '3': tierOverride.optional(),
    '4': tierOverride.optional(),
  })
  .prefault({})
  .transform((overrides, ctx) => {
    const merged = {} as Record<TierNumber, TierConfig>;
    for (const tier of TIER_NUMBERS) {
      const base = DEFAULT_TIERS[tier];
      const override = overrides[tier] ?? {};
      const tokens = { ...base.tokens, ...override.tokens };
      if (tokens.max !== undefined && tokens.max < tokens.min) {
        ctx.issues.push({
          code: 'custom',
          path: [tier, 'tokens'],
          input: override.tokens,
          message: `tokens.min (${tokens.min}) is above tokens.max (${tokens.max})`,
        });
      }
      merged[tier] = { ...base, ...override, tokens };
    }
    return merged;
  })
  .meta({ description: 'Token budget tiers "1" to "4"; each given field overrides the default tier.' });

const branches = z
  .strictObject({
    pattern: z
      .string()
      .regex(/\{agent\}/, {
        error: (issue) => `must contain "{agent}", such as "{agent}/{feature}", got ${showValue(issue.input)}`,
      })
      .default('{agent}/{feature}'),
    enforce: z.enum(['warn', 'block']).default('warn'),
  })
  .prefault({});

const agent = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
    error: (issue) => `expected an agent id such as "claude" (letters, digits, ".", "_", "-"), got ${showValue(issue.input)}`,
  }),
  role: text().optional(),
  tier: z.number().int().min(1).max(4).optional(),
  model: text().optional(),
  maxRisk: risk.optional(),
  instructions: z.string().optional(),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional().meta({ description: 'The JSON Schema this file follows, for editors.' }),
  health,
  coordination,
  claims,
  hotFiles: z.array(hotFile).default([]),
  gates: z.array(gate).default([]),
  tiers,
  branches,
  sessions: z
    .strictObject({
      required: z.boolean().default(false).meta({ description: 'Refuse commits by agents that have no session.' }),
    })
    .prefault({}),
  hooks: z
    .strictObject({
      lintStaged: z.boolean().default(false).meta({ description: 'Run lint-staged from the pre-commit hook.' }),
      failOpen: z
        .boolean()
        .default(false)
        .meta({ description: 'Let a commit through when the hook itself fails, instead of blocking it.' }),
    })
    .prefault({}),
  identity: z
    .strictObject({
      allowedSigners: text()
        .optional()
        .meta({
          description:
            "A file in git's allowed-signers format (principal = agent id, SSH keys): a path relative to the repository root, or an absolute path. " +
            "When set, verify fails a commit whose Agent: trailer is not backed by that agent's signature, and store writes in an agent's name need its key.",
        }),
    })
    .prefault({}),
  agents: z
    .array(agent)
    .superRefine(uniqueNames('agent'), everyArray)
    .default([])
    .meta({ description: 'The agents that work here, for generated instruction files.' }),
});

/** The validated, normalized config: every default filled in, hot files as objects, all four tiers. */
export type AgentSyncConfig = z.output<typeof configSchema>;
/** The config as written in `.agentsync.json`. */
export type AgentSyncConfigInput = z.input<typeof configSchema>;

export type HealthCommand = AgentSyncConfig['health']['commands'][number];
export type Gate = AgentSyncConfig['gates'][number];
export type AgentEntry = AgentSyncConfig['agents'][number];

/** The config `{}` stands for. */
export function defaultConfig(): AgentSyncConfig {
  return configSchema.parse({});
}
