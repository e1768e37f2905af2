/**
 * docs/config.md, generated: every key of `.agentsync.json` with its type, default,
 * allowed values and description, rendered from the published JSON Schema
 * (buildJsonSchema) so the reference and the schema never drift. reference.spec.ts
 * keeps docs/config.md equal to this rendering (UPDATE_DOCS=1 rewrites it).
 *
 * Descriptions come from the schema (`.meta({ description })` in schema.ts); NOTES adds
 * behaviour the schema cannot say (what reads a key, what it costs). Defaults come from
 * the schema, or, where it has none, from the config `{}` stands for (defaultConfig).
 */
import { buildJsonSchema } from './json-schema';
import { DURATION_PATTERN } from './duration';
import { defaultConfig } from './schema';

type JsonSchema = {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
};

/** What a key does beyond its schema description, keyed by the path as rendered. Keep each to a sentence or two. */
const NOTES: Record<string, string> = {
  $schema: '`agentsync init` writes `./node_modules/@agentsync/cli/schema/agentsync.schema.json`.',
  health:
    'Read by `agentsync start` (the baseline), `agentsync health`, `agentsync end` and the pre-push hook (each pushed tip); ' +
    'see [health.md](health.md).',
  'health.commands': 'Run one after another with `/bin/sh -c`; each name must be unique.',
  'health.commands[].timeout': 'Default 15m. A check that times out fails; only passes are cached.',
  'health.targets':
    'Each target becomes a check named `nx:TARGET` that runs `npx --no-install nx run-many -t TARGET` ' +
    '(`nx affected --base=REF` with `agentsync health --base REF`). Needs `nx.json` at the root, else exit 2.',
  coordination:
    'Without `remote`, sessions and claims stay in this clone (shared by its worktrees). With it, the git host holds ' +
    'refs/agentsync/state: every write is a push with a lease, and commands and hooks read a fetched copy; see ' +
    '[store.md](store.md#sharing-the-store-between-clones).',
  'coordination.remote':
    '`refs/agentsync/state` and the audit log (`refs/agentsync/audit`: skips and refusals) travel; the health cache and audit records made while the remote was unreachable stay in each clone. Every clone needs a remote of this name. Writes (`start`, `claim`, `release`, `note`, `end`) exit 2 when it cannot be reached; ' +
    'each fetch and push gives up after 20 s.',
  'coordination.offline':
    'Read by the hooks, `check`, `status`, and the session look-ups of `start` and `end`: "fallback" warns (in the hooks and `check`) ' +
    'and checks against the last fetched claims; "block" blocks the hooks and exits 2. Writes need the remote either way.',
  'coordination.freshness':
    'Reads (pre-commit, commit-msg, `check`, `status`, the session look-ups of `start` and `end`) reuse a fetch younger ' +
    'than this; pre-push and every write always fetch, and a claims block is confirmed against a fresh fetch.',
  'claims.ttl':
    'Also the lease of a session. `agentsync note` renews all of the agent\'s leases to this from now, and so does the agent\'s ' +
    'next commit once any of them has less than half of it left (pre-commit); `claim --ttl` overrides it per claim.',
  'claims.blockHumans': 'Without it, a person with no agent identity gets a warning instead of a block.',
  'claims.onEdit':
    'Read by the agent tools\' edit hooks that `agentsync init` wires (see [agent-tools.md](agent-tools.md)). With "claim", an edit to a path nobody holds claims ' +
    'that exact path for the editing instance (such as `claude-1a2b3c4d`) for `claims.ttl`; its further edits and commits renew the lease, `end` or `release` frees it. ' +
    'Every mode but "off" refuses, at edit time, paths others hold and paths gated above the instance\'s tier.',
  hotFiles:
    'Files many agents edit, kept to small commits: pre-commit counts added plus deleted lines per staged file (a binary file counts as 1).',
  'hotFiles[].maxChangedLines': 'Omitted in the object form: no size limit.',
  'hotFiles[].requireClaim': 'The committing agent must hold a live claim covering the file.',
  gates:
    'Checked by pre-commit, pre-push and `agentsync verify` for agents; an agent without a session gets tier 1\'s `maxRisk`. ' +
    'People (no agent identity) pass the risk check; the approval check applies to everyone.',
  'gates[].paths': 'Matched like claims: a plain path also covers everything under it.',
  'gates[].description': 'Shown in the block message.',
  'tiers["N"].name': 'Shown by `agentsync start`.',
  'tiers["N"].tokens': 'The token budget shown by `start` and written into the handoff; not enforced.',
  'tiers["N"].tokens.min': 'The low end of the budget.',
  'tiers["N"].tokens.max': 'The high end; none means open-ended ("20000+"). Must not be below `min`.',
  'tiers["N"].model': 'The recommended model, shown by `agentsync start`.',
  'tiers["N"].maxRisk': 'The highest gate risk a session of this tier may commit.',
  'branches.pattern':
    '`{agent}` stands for the agent id, `{feature}` for any non-empty rest. Checked by `agentsync start` and pre-commit, for agents only.',
  'branches.enforce': '`warn` prints a warning; `block` refuses `agentsync start` (exit 1) and blocks commits.',
  identity:
    'Without it an identity is a name anyone can give; see [signing.md](signing.md) for what a name does and does not prove.',
  'identity.allowedSigners':
    'A relative path is read from the base of the range `verify` checks, so a change to the file counts once it is merged; an absolute path is read from disk as it is. ' +
    'A missing or unreadable file is an error (exit 2) that `agentsync doctor` also reports. Set up with [signing.md](signing.md).',
  'hooks.lintStaged':
    'Runs after AgentSync\'s own checks pass; lint-staged must be installed in the repository. ' +
    '`agentsync init` sets it when the repository configures lint-staged and no husky hook runs it.',
  'hooks.failOpen': 'An unreadable or invalid `.agentsync.json` blocks regardless.',
  claims: 'Leases on paths: who may commit what.',
  branches: 'Branch names for agents.',
  sessions: 'What a session is required for.',
  'sessions.required': 'Checked by pre-commit; `agentsync verify` then also fails an agent\'s commit without an `Agent-Session:` trailer.',
  hooks: 'How the git hooks behave; see [hooks.md](hooks.md).',
  agents:
    'Listed in the AgentSync section of AGENTS.md, which `agentsync init` and the Nx generators write; ' +
    '`nx g @agentsync/nx:agent` adds and updates entries. The hooks and other commands do not read it.',
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const code = (value: unknown) => `\`${JSON.stringify(value)}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** GitHub's heading anchor for a heading text. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** `health.commands`, `tiers["1"]`: the path notation the loader's error messages use. */
function join(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

const isDuration = (s: JsonSchema) =>
  Array.isArray(s.anyOf) && s.anyOf.some((b) => b.type === 'string' && b.pattern === DURATION_PATTERN.source);
const isObject = (s: JsonSchema) => s.type === 'object' && s.properties !== undefined;
const objectItems = (s: JsonSchema) => (s.type === 'array' && s.items && isObject(s.items) ? s.items : undefined);
/** The object form of a union such as hotFiles' items: a glob string or an object. */
const objectBranch = (s: JsonSchema) => s.anyOf?.find(isObject);

/** An object whose properties all share one schema, such as tiers "1" to "4": rendered once. */
function isUniformMap(s: JsonSchema): boolean {
  const values = Object.values(s.properties ?? {});
  return values.length > 1 && values.every((v) => isObject(v) && JSON.stringify(v) === JSON.stringify(values[0]));
}

function typeText(s: JsonSchema, link?: string): string {
  if (isDuration(s)) return '[duration](#durations)';
  if (s.anyOf) return s.anyOf.map((b) => typeText(b, isObject(b) ? link : undefined)).join(' or ');
  if (s.type === 'array') return `array of ${s.items ? plural(typeText(s.items, link)) : 'anything'}`;
  if (isObject(s)) return link ? `object, see [below](#${link})` : 'object';
  return s.type ?? 'any';
}

/** "string or object, see …" as "strings or objects, see …". */
function plural(type: string): string {
  return type.replace(/\b(string|integer|boolean|number|object)\b/g, '$1s');
}

function allowedText(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.enum) parts.push(s.enum.map(code).join(', '));
  if (s.const !== undefined) parts.push(code(s.const));
  if (s.pattern === '\\S') parts.push('not empty');
  else if (s.pattern === '^(?!-)\\S+$') parts.push('no spaces, not starting with `-`');
  else if (s.pattern === '\\{agent\\}') parts.push('must contain `{agent}`');
  else if (s.pattern && !isDuration(s)) parts.push(`matches \`${s.pattern}\``);
  const low = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? `≥ ${s.minimum}` : '';
  const high = s.maximum !== undefined && s.maximum < MAX_SAFE ? `≤ ${s.maximum}` : '';
  if (s.minimum !== undefined && high) parts.push(`${s.minimum} to ${s.maximum}`);
  else if (low || high) parts.push([low, high].filter(Boolean).join(', '));
  if (s.minItems) parts.push(`at least ${s.minItems} ${s.minItems === 1 ? 'entry' : 'entries'}`);
  if (s.type === 'array' && s.items && !isObject(s.items) && !s.items.anyOf) {
    const inner = allowedText(s.items);
    if (inner) parts.push(`each ${inner}`);
  }
  if (isDuration(s)) parts.push('see [durations](#durations)');
  return parts.join('; ');
}

/** The value `{}` gives a key: the schema's default, else the normalized default config's. */
function defaultText(s: JsonSchema, path: Array<string | number> | undefined, required: boolean): string {
  if (required) return 'required';
  if (s.default !== undefined && !(isObject(s) && JSON.stringify(s.default) === '{}')) return code(s.default);
  if (path === undefined || isObject(s)) return '—';
  let value: unknown = defaultConfig();
  for (const segment of path) value = (value as Record<string, unknown> | undefined)?.[segment];
  return value === undefined ? '—' : code(value);
}

interface Row {
  path: string;
  schema: JsonSchema;
  required: boolean;
  /** Where the value sits in defaultConfig(); undefined inside arrays, where there is no default. */
  valuePath?: Array<string | number>;
  /** Inside a uniform map such as tiers: the default depends on the key. */
  perKey?: boolean;
}

interface Section {
  title: string;
  depth: number;
  schema: JsonSchema;
  path: string;
  valuePath?: Array<string | number>;
  intro?: string;
  /** For a uniform map: the keys it allows, each with its own defaults. */
  map?: { keys: string[] };
  /** Inside a uniform map: defaults differ per key and are tabled with the map. */
  perKey?: boolean;
}

function description(path: string, s: JsonSchema): string {
  const own = s.description ?? s.anyOf?.find((b) => b.description)?.description;
  return [own, NOTES[path]].filter(Boolean).join(' ');
}

/** The sub-section a row points to, if its value is an object or holds objects. */
function childSection(row: Row, depth: number): Section | undefined {
  const { schema: s, path } = row;
  if (isObject(s)) {
    if (isUniformMap(s)) {
      const keys = Object.keys(s.properties ?? {});
      const placeholder = `${path}["N"]`;
      const schema = Object.values(s.properties ?? {})[0];
      return { title: placeholder, depth, schema, path: placeholder, intro: description(path, s), map: { keys }, perKey: true };
    }
    return { title: path, depth, schema: s, path, valuePath: row.valuePath, perKey: row.perKey };
  }
  const items = objectItems(s);
  if (items) return { title: `${path}[]`, depth, schema: items, path: `${path}[]`, intro: description(path, s) };
  const branch = s.type === 'array' && s.items ? objectBranch(s.items) : undefined;
  if (branch) {
    const forms = (s.items?.anyOf ?? []).map((b) => (isObject(b) ? 'an object' : `a ${typeText(b)}`)).join(' or ');
    const entry = `An entry is ${forms}. ${description(`${path}[]`, s.items as JsonSchema)}`;
    return { title: `${path}[]`, depth, schema: branch, path: `${path}[]`, intro: [description(path, s), entry].filter(Boolean).join('\n\n') };
  }
  return undefined;
}

function rowsOf(section: Section): Row[] {
  const required = new Set(section.schema.required ?? []);
  return Object.entries(section.schema.properties ?? {}).map(([key, schema]) => ({
    path: join(section.path, key),
    schema,
    required: required.has(key),
    valuePath: section.valuePath ? [...section.valuePath, key] : undefined,
    perKey: section.perKey,
  }));
}

function renderSection(section: Section, out: string[]): void {
  out.push(`${'#'.repeat(section.depth)} \`${section.title}\``, '');
  const intro = section.intro ?? description(section.path, section.schema);
  if (intro) out.push(intro, '');
  if (section.map) {
    out.push(`\`N\` is one of ${section.map.keys.map((k) => `\`${JSON.stringify(k)}\``).join(', ')}; every field is optional and overrides that tier's default.`, '');
  }
  const rows = rowsOf(section);
  const children: Section[] = [];
  out.push('| Key | Type | Default | Allowed values | Description |', '| --- | --- | --- | --- | --- |');
  for (const row of rows) {
    const child = childSection(row, section.depth + 1);
    if (child) children.push(child);
    const link = child ? slug(`\`${child.title}\``) : undefined;
    const shown = row.perKey ? 'per `N`, see the defaults table' : defaultText(row.schema, row.valuePath, row.required);
    out.push(
      `| \`${row.path}\` | ${cell(typeText(row.schema, link))} | ${cell(shown)} | ${cell(allowedText(row.schema))} | ${cell(description(row.path, row.schema))} |`,
    );
  }
  out.push('');
  if (section.map) renderMapDefaults(section, out);
  for (const child of children) renderSection(child, out);
}

/** Leaf paths of an object schema, such as name, tokens.min, tokens.max. */
function leaves(s: JsonSchema, prefix: string[] = []): string[][] {
  return Object.entries(s.properties ?? {}).flatMap(([key, value]) =>
    isObject(value) ? leaves(value, [...prefix, key]) : [[...prefix, key]],
  );
}

function renderMapDefaults(section: Section, out: string[]): void {
  const root = section.path.slice(0, section.path.lastIndexOf('['));
  const fields = leaves(section.schema);
  const config = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  out.push(`Defaults (what \`{}\` gives):`, '');
  out.push(`| ${['N', ...fields.map((f) => `\`${f.join('.')}\``)].join(' | ')} |`);
  out.push(`| ${['---', ...fields.map(() => '---')].join(' | ')} |`);
  for (const key of section.map?.keys ?? []) {
    const values = fields.map((f) => {
      let value: unknown = config[root]?.[key];
      for (const segment of f) value = (value as Record<string, unknown> | undefined)?.[segment];
      return value === undefined ? '—' : code(value);
    });
    out.push(`| ${[`\`${JSON.stringify(key)}\``, ...values].join(' | ')} |`);
  }
  out.push('');
}

const INTRO = `# Configuration reference: \`.agentsync.json\`

<!-- Generated by packages/core/src/config/reference.ts from the config schema. Do not edit by hand:
     cd packages/core && UPDATE_DOCS=1 npx vitest run src/config/reference -->

\`.agentsync.json\` sits at the repository root, next to \`.git\`. Every key is
optional: \`{}\` is a valid config and means the defaults below. Without the file
at all, commands use the same defaults, but the git hooks do nothing (a
repository without \`.agentsync.json\` is not set up for AgentSync).

## Example

\`\`\`json
{
  "$schema": "./node_modules/@agentsync/cli/schema/agentsync.schema.json",
  "health": {
    "commands": [
      { "name": "build", "run": "npm run build" },
      { "name": "test", "run": "npm test", "timeout": "10m" }
    ],
    "policy": "regressions"
  },
  "claims": { "ttl": "2h" },
  "hotFiles": [
    "package.json",
    { "path": "src/routes.ts", "maxChangedLines": 40, "requireClaim": true }
  ],
  "gates": [
    { "paths": ["infra/**", ".github/workflows/**"], "risk": "high", "description": "deploys" },
    { "paths": ["db/migrations/**"], "risk": "medium", "requires": "approval" }
  ],
  "tiers": { "2": { "model": "gpt-5-codex" } },
  "branches": { "pattern": "{agent}/{feature}", "enforce": "block" },
  "sessions": { "required": true },
  "hooks": { "lintStaged": true }
}
\`\`\`

## Validation

- Plain JSON: no comments, no trailing commas (a UTF-8 BOM is fine).
- Strict: an unknown key is an error, with a "did you mean" for typos. Duplicate keys are errors.
- Every problem is reported at once, each with \`file:line:column\` and its JSON path, and the
  command exits 2:

  \`\`\`text
  agentsync: Invalid configuration in /repo/.agentsync.json:
    /repo/.agentsync.json:2:76  health.commands[0].timeout: expected a duration such as "30m" or "2h", got "5 min"
    /repo/.agentsync.json:3:28  claims.blockHuman: unknown key "blockHuman" (did you mean "blockHumans"?)
  \`\`\`

- The git hooks and the commands read a validated copy cached in \`.git/agentsync/config-cache.json\`,
  keyed by the file's bytes and the AgentSync version, so a commit does not pay for validation. An
  invalid config blocks every hook (fail closed), whatever \`hooks.failOpen\` says; only
  \`AGENTSYNC_SKIP=1\` gets a commit past it (audited).

## Editor support: \`$schema\`

The JSON Schema ships in \`@agentsync/cli\` as \`schema/agentsync.schema.json\` (and in
\`@agentsync/core\`, package export \`@agentsync/core/schema.json\`) and is published at
\`https://unpkg.com/@agentsync/core/schema/agentsync.schema.json\`. Point \`$schema\` at either:

\`\`\`json
{ "$schema": "./node_modules/@agentsync/cli/schema/agentsync.schema.json" }
\`\`\`

VS Code, JetBrains IDEs and other JSON-Schema-aware editors then complete keys and flag
mistakes as you type. The schema and this page are both generated from the same zod schema.

## Durations

\`claims.ttl\`, \`coordination.freshness\`, \`health.commands[].timeout\` and \`agentsync claim --ttl\`
take a duration: a string of units from largest to smallest, each at most once: \`d\`, \`h\`,
\`m\`, \`s\`. Examples: \`"90s"\`, \`"30m"\`, \`"1h30m"\`, \`"2h"\`, \`"1d"\`. Not allowed: \`"0s"\`,
\`"30 m"\`, \`"30min"\`, \`"1.5h"\`, \`"30m1h"\`, and a bare \`"90"\`. In \`.agentsync.json\` a
positive whole JSON number is also accepted, as seconds (\`"ttl": 5400\`); on the command line
(\`--ttl\`) the unit is required. The longest duration is \`"24d"\` (the longest a timer can wait;
anything longer is refused, located, with exit 2).

## Paths and globs

Globs in \`hotFiles\`, \`gates[].paths\` and claims are relative to the repository root and use
the same matcher: picomatch with dotfiles matched, and a plain path (no glob syntax) covering
itself and everything under it (\`src/api\` covers \`src/api/users.ts\`). See
[store.md](store.md#the-claim-overlap-rule). They are checked by the same rules too, so an entry
that would protect nothing is a located error (exit 2): an absolute path (\`/etc/passwd\`), a
\`..\` segment (\`**/../x\`), an unclosed \`[\` or a glob that matches no path. They are
normalized as claims are (\`./src//api/\` is \`src/api\`).
`;

/** docs/config.md: the hand-written intro, then every key from the JSON Schema. */
export function renderConfigReference(): string {
  const schema = buildJsonSchema() as JsonSchema;
  const out: string[] = [INTRO, '## Keys', ''];
  const sections: Section[] = [];
  out.push('| Key | Type | Default | Description |', '| --- | --- | --- | --- |');
  for (const [key, s] of Object.entries(schema.properties ?? {})) {
    const row: Row = { path: key, schema: s, required: false, valuePath: [key] };
    const child = childSection(row, 3);
    if (child) sections.push(child);
    const name = child ? `[\`${key}\`](#${slug(`\`${child.title}\``)})` : `\`${key}\``;
    // A section repeats the whole text; the overview keeps its first sentence.
    const text = child ? description(key, s).split(/(?<=\.) /)[0] : description(key, s);
    out.push(`| ${name} | ${cell(typeText(s))} | ${cell(defaultText(s, row.valuePath, false))} | ${cell(text)} |`);
  }
  out.push('');
  for (const section of sections) renderSection(section, out);
  return `${out.join('\n').trimEnd()}\n`;
}
