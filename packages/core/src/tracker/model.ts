/**
 * AgentTracker.md as data. The file is free markdown; the tool owns only the
 * regions between `<!-- agentsync:begin NAME -->` and `<!-- agentsync:end NAME -->`.
 * Everything else is kept verbatim. Pure: no I/O.
 */
import { randomBytes } from 'node:crypto';
import { TrackerError } from '../errors';

export const REGION_NAMES = ['sessions', 'claims', 'next', 'notes', 'handoffs'] as const;
export type RegionName = (typeof REGION_NAMES)[number];

/** Partial work written down during a session (`agentsync note`). */
export interface NoteEntry {
  kind: 'note';
  id: string;
  /** ISO timestamp of creation. */
  at: string;
  /** ISO timestamp of the last change; the later one wins when branches merge. */
  updatedAt: string;
  agent: string;
  session?: string;
  text: string;
}

/** One piece of suggested next work. */
export interface NextEntry {
  kind: 'next';
  id: string;
  at: string;
  updatedAt: string;
  agent: string;
  text: string;
}

/** What a session leaves behind for the next one (`agentsync end`). */
export interface HandoffEntry {
  kind: 'handoff';
  id: string;
  at: string;
  updatedAt: string;
  agent: string;
  session?: string;
  goal?: string;
  tier?: number;
  summary: string;
  done: string[];
  next: string[];
  blockers: string[];
  failed: string[];
  tokens?: number;
  budget?: string;
  health?: string;
  note?: string;
}

export type TrackerEntry = NoteEntry | NextEntry | HandoffEntry;
export type EntryKind = TrackerEntry['kind'];
export type EntryOf<K extends EntryKind> = Extract<TrackerEntry, { kind: K }>;

export interface SessionRow {
  id: string;
  agent: string;
  goal: string;
  tier: number;
  branch: string;
  /** ISO timestamp. */
  started: string;
}

export interface ClaimRow {
  holder: string;
  glob: string;
  mode: 'exclusive' | 'shared';
  /** ISO timestamp. */
  expires: string;
  session?: string;
}

interface RegionBase {
  /** The region's text as parsed and as it would render then: kept verbatim while its data is unchanged. */
  source?: { raw: string; rendered: string };
}

export type Region =
  | (RegionBase & { name: 'sessions'; rows: SessionRow[] })
  | (RegionBase & { name: 'claims'; rows: ClaimRow[] })
  | (RegionBase & { name: 'next'; entries: NextEntry[] })
  | (RegionBase & { name: 'notes'; entries: NoteEntry[] })
  | (RegionBase & { name: 'handoffs'; entries: HandoffEntry[] });
type RegionOf<N extends RegionName> = Extract<Region, { name: N }>;
type EntryRegionName = (typeof REGION_OF_KIND)[EntryKind];

export interface TrackerDoc {
  /** File name used in error messages. */
  file: string;
  /** The file's line ending, used for all generated text. */
  eol: '\n' | '\r\n';
  /** Verbatim prose (strings) and managed regions, in document order. */
  blocks: Array<string | Region>;
}

const REGION_OF_KIND = { note: 'notes', next: 'next', handoff: 'handoffs' } as const satisfies Record<
  EntryKind,
  RegionName
>;
const ID_PREFIX: Record<EntryKind, string> = { note: 'n-', next: 'x-', handoff: 'h-' };
const HEADINGS: Record<RegionName, string> = {
  sessions: 'Active sessions',
  claims: 'Claims',
  next: 'Suggested next work',
  notes: 'Notes (partial work)',
  handoffs: 'Handoffs',
};
const SESSION_COLUMNS = ['Session', 'Agent', 'Goal', 'Tier', 'Branch', 'Started'];
const CLAIM_COLUMNS = ['Holder', 'Glob', 'Mode', 'Expires', 'Session'];
const NONE = '_none_';

// ---------------------------------------------------------------- queries and mutators

/** A new entry id: the kind's prefix (n-, x-, h-) and 8 random base36 characters. */
export function newEntryId(kind: EntryKind): string {
  return ID_PREFIX[kind] + Array.from(randomBytes(8), (byte) => (byte % 36).toString(36)).join('');
}

/** The entries of one kind, in document order (a copy of the list). */
export function entries<K extends EntryKind>(doc: TrackerDoc, kind: K): EntryOf<K>[] {
  const region: { entries: TrackerEntry[] } | undefined = findRegion(doc, REGION_OF_KIND[kind] as EntryRegionName);
  return [...(region?.entries ?? [])] as EntryOf<K>[];
}

/** Appends an entry to its region, creating the region at the end of the document if missing. */
export function addEntry(doc: TrackerDoc, entry: TrackerEntry): void {
  const list = entryList(doc, entry.kind);
  if (list.some((e) => e.id === entry.id)) throw new Error(`Tracker entry ${entry.id} already exists.`);
  list.push(entry);
}

/** Replaces the entry with the same id in place, or appends it when there is none. */
export function upsertEntry(doc: TrackerDoc, entry: TrackerEntry): void {
  const list = entryList(doc, entry.kind);
  const index = list.findIndex((e) => e.id === entry.id);
  if (index >= 0) list[index] = entry;
  else list.push(entry);
}

/** Removes the entry with this id (e.g. suggested next work that is done); false when there is none. */
export function removeEntry(doc: TrackerDoc, id: string): boolean {
  for (const block of doc.blocks) {
    if (typeof block === 'string' || !('entries' in block)) continue;
    const list: TrackerEntry[] = block.entries;
    const index = list.findIndex((e) => e.id === id);
    if (index >= 0) {
      list.splice(index, 1);
      return true;
    }
  }
  return false;
}

/** The active-sessions snapshot, as last written. */
export function sessions(doc: TrackerDoc): SessionRow[] {
  return [...(findRegion(doc, 'sessions')?.rows ?? [])];
}

/** The claims snapshot, as last written. */
export function claims(doc: TrackerDoc): ClaimRow[] {
  return [...(findRegion(doc, 'claims')?.rows ?? [])];
}

/** Replaces the active-sessions snapshot. */
export function setSessions(doc: TrackerDoc, rows: readonly SessionRow[]): void {
  ensureRegion(doc, 'sessions').rows = [...rows];
}

/** Replaces the claims snapshot. */
export function setClaims(doc: TrackerDoc, rows: readonly ClaimRow[]): void {
  ensureRegion(doc, 'claims').rows = [...rows];
}

function entryList(doc: TrackerDoc, kind: EntryKind): TrackerEntry[] {
  return ensureRegion(doc, REGION_OF_KIND[kind]).entries;
}

function emptyRegion<N extends RegionName>(name: N): RegionOf<N> {
  return (name === 'sessions' || name === 'claims' ? { name, rows: [] } : { name, entries: [] }) as unknown as RegionOf<N>;
}

function findRegion<N extends RegionName>(doc: TrackerDoc, name: N): RegionOf<N> | undefined {
  return doc.blocks.find((b): b is RegionOf<N> => typeof b !== 'string' && b.name === name);
}

/** Finds the region, or appends it with a heading after all existing text. */
function ensureRegion<N extends RegionName>(doc: TrackerDoc, name: N): RegionOf<N> {
  const found = findRegion(doc, name);
  if (found) return found;
  const region = emptyRegion(name);
  const { eol } = doc;
  const last = doc.blocks.length - 1;
  const tail = doc.blocks[last];
  const before = typeof tail === 'string' ? tail : '';
  const separator = before === '' ? '' : before.endsWith('\n') ? eol : eol + eol;
  const heading = `${separator}## ${HEADINGS[name]}${eol}${eol}`;
  if (typeof tail === 'string') doc.blocks[last] = before + heading;
  else doc.blocks.push(heading);
  doc.blocks.push(region, eol);
  return region;
}

// ---------------------------------------------------------------- rendering

/** The document's text: prose verbatim, regions regenerated only where their data changed. */
export function renderTracker(doc: TrackerDoc): string {
  return doc.blocks
    .map((block) => {
      if (typeof block === 'string') return block;
      const rendered = renderRegion(block, doc.eol);
      return block.source?.rendered === rendered ? block.source.raw : rendered;
    })
    .join('');
}

function renderRegion(region: Region, eol: string): string {
  let body: string[];
  if (region.name === 'sessions') {
    body = renderTable(
      SESSION_COLUMNS,
      region.rows.map((r) => [r.id, r.agent, r.goal, String(r.tier), r.branch, r.started]),
    );
  } else if (region.name === 'claims') {
    body = renderTable(
      CLAIM_COLUMNS,
      region.rows.map((r) => [r.holder, r.glob, r.mode, r.expires, r.session ?? '']),
    );
  } else {
    const list: TrackerEntry[] = region.entries;
    body = list.length === 0 ? [NONE] : list.flatMap((entry) => [entryComment(entry), ...renderEntry(entry)]);
  }
  return [`<!-- agentsync:begin ${region.name} -->`, ...body, `<!-- agentsync:end ${region.name} -->`].join(eol);
}

function renderTable(columns: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [NONE];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((cells) => line(cells.map(escapeCell)))];
}

/** Backslash-escapes markdown punctuation and writes newlines as `<br>`: reversible by {@link unescapeCell}. */
function escapeCell(value: string): string {
  return value
    .trim()
    .replace(/[\\|`*_[\]<>~&]/g, '\\$&')
    .replace(/\r\n|\r|\n/g, '<br>');
}

function unescapeCell(cell: string): string {
  return cell.replace(/<br>|\\(.)/g, (match, escaped: string | undefined) => escaped ?? '\n');
}

/** The machine-readable comment: JSON with `<`, `>` and `--` escaped so the comment cannot end early. */
function entryComment(entry: TrackerEntry): string {
  const { id, kind, ...rest } = entry;
  const json = JSON.stringify({ id, kind, ...rest })
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/--/g, '-\\u002d');
  return `<!-- agentsync:entry ${json} -->`;
}

function renderEntry(entry: TrackerEntry): string[] {
  if (entry.kind !== 'handoff') return bullet(entry.text, `**${formatDate(entry.at)}** · ${oneLine(entry.agent)} · `);
  const meta = [
    entry.session && `Session: ${oneLine(entry.session)}`,
    entry.goal && `Goal: ${oneLine(entry.goal)}`,
    entry.tier !== undefined && `Tier: ${entry.tier}`,
  ];
  const usage = [
    entry.tokens !== undefined && `Tokens used: ${entry.tokens}${entry.budget ? ` of budget ${oneLine(entry.budget)}` : ''}`,
    entry.tokens === undefined && entry.budget && `Budget: ${oneLine(entry.budget)}`,
    entry.health && `Health: ${oneLine(entry.health)}`,
  ];
  const [headline = '', ...rest] = lines(entry.summary);
  const lists: Array<[string, string[]]> = [
    ['Done', entry.done],
    ['Next', entry.next],
    ['Blockers', entry.blockers],
    ['Failed approaches', entry.failed],
  ];
  const paragraphs: string[][] = [
    [`### Handoff: ${visible(headline)} — ${oneLine(entry.agent)}, ${formatDate(entry.at)}`],
    paragraph(meta.filter(Boolean).join(' · ')),
    paragraph(rest.join('\n').trim()),
    ...lists.filter(([, items]) => items.length > 0).map(([title, items]) => [`**${title}**`, ...items.flatMap((item) => bullet(item))]),
    paragraph(usage.filter(Boolean).join(' · ')),
    paragraph(entry.note ? `Note: ${entry.note}` : ''),
  ];
  return paragraphs.filter((p) => p.length > 0).flatMap((p) => [...p, '']);
}

/** A list item of user text; `lead` is the renderer's own start of its first line. */
function bullet(text: string, lead = ''): string[] {
  return lines(text).map((line, i) => (i === 0 ? `- ${lead}${lead ? line : inert(line)}` : line === '' ? '' : `  ${inert(line)}`));
}

function paragraph(text: string): string[] {
  return text === '' ? [] : lines(text).map(inert);
}

/** What starts a markdown block: a heading, quote, list item, rule, setext underline, fence, table row or HTML. */
const BLOCK_START = /^(\s*)(?:([#>+*\-=_|<~`])|(\d{1,9})([.)]))/;

/**
 * A line of user text, escaped so it cannot start a block of its own: a newline in
 * `--summary` must not become a heading an agent reads as the tracker's structure.
 * (The entry's own data is in its comment; this changes only how it reads.)
 */
function inert(line: string): string {
  return line.replace(BLOCK_START, (_, indent: string, mark?: string, digits?: string, dot?: string) =>
    mark ? `${indent}\\${mark}` : `${indent}${digits}\\${dot}`,
  );
}

/** Splits on any newline and neutralizes `<!--`, so no rendered line can look like a marker. */
function lines(text: string): string[] {
  return visible(text).split(/\r\n|\r|\n/);
}

function visible(text: string): string {
  return text.replace(/<!--/g, '&lt;!--');
}

function oneLine(text: string): string {
  return visible(text).replace(/\s*[\r\n]+\s*/g, ' ');
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? oneLine(iso) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// ---------------------------------------------------------------- parsing

const BEGIN_END = /^<!--\s*agentsync:(begin|end)\s+(\S+?)\s*-->$/;
const ENTRY = /^<!--\s*agentsync:entry\s+(.*?)\s*-->$/;
const RESERVED = /^<!--\s*agentsync/i;
const RESTORE = 'or restore the file from git (`git checkout -- AgentTracker.md`)';

interface Line {
  no: number;
  text: string;
}

/** Parses AgentTracker.md; throws TrackerError (with the 1-based line) for a malformed managed region. */
export function parseTracker(text: string, file = 'AgentTracker.md'): TrackerDoc {
  const fail = (line: number, message: string, hint: string): never => {
    throw new TrackerError(file, line, message, hint);
  };
  const firstBreak = text.indexOf('\n');
  const doc: TrackerDoc = { file, eol: text[firstBreak - 1] === '\r' ? '\r\n' : '\n', blocks: [] };
  const seen = new Map<string, number>();
  let open: { name: RegionName; no: number; start: number; body: Line[] } | undefined;
  let proseStart = 0;
  // The BOM stays prose, so a region on line 1 starts after it.
  let offset = text.startsWith('\uFEFF') ? 1 : 0;
  const rawLines = text.slice(offset).split('\n');
  if (rawLines.length > 1 && rawLines[rawLines.length - 1] === '') rawLines.pop();
  for (const [index, line] of rawLines.entries()) {
    const no = index + 1;
    const content = line.replace(/\r$/, '');
    const trimmed = content.trim();
    const marker = BEGIN_END.exec(trimmed);
    if (marker) {
      const [, which, name] = marker;
      if (which === 'begin') {
        if (open) {
          fail(
            no,
            `\`<!-- agentsync:begin ${name} -->\` inside region \`${open.name}\` (opened at line ${open.no})`,
            `Add \`<!-- agentsync:end ${open.name} -->\` before line ${no}, ${RESTORE}.`,
          );
        }
        if (!(REGION_NAMES as readonly string[]).includes(name)) {
          fail(no, `unknown region \`${name}\``, `Region names are ${REGION_NAMES.join(', ')}; fix the name or remove both markers.`);
        }
        if (seen.has(name)) {
          fail(
            no,
            `region \`${name}\` appears twice (first at line ${seen.get(name)})`,
            `Move this region's entries into the first one and delete these markers, ${RESTORE}.`,
          );
        }
        seen.set(name, no);
        doc.blocks.push(text.slice(proseStart, offset));
        open = { name: name as RegionName, no, start: offset, body: [] };
      } else if (!open) {
        fail(
          no,
          `\`<!-- agentsync:end ${name} -->\` has no matching begin marker`,
          `Add \`<!-- agentsync:begin ${name} -->\` where the region starts or delete this line, ${RESTORE}.`,
        );
      } else if (name !== open.name) {
        fail(
          no,
          `\`<!-- agentsync:end ${name} -->\` closes region \`${open.name}\` (opened at line ${open.no})`,
          `Change it to \`<!-- agentsync:end ${open.name} -->\`, ${RESTORE}.`,
        );
      } else {
        // The region ends with its end marker; the line break after it stays prose.
        proseStart = offset + content.length;
        const region = parseRegion(open.name, open.body, fail);
        region.source = { raw: text.slice(open.start, proseStart), rendered: renderRegion(region, doc.eol) };
        doc.blocks.push(region);
        open = undefined;
      }
    } else if (ENTRY.test(trimmed) && !open) {
      fail(
        no,
        'tracker entry outside any agentsync region',
        `Move it (with its rendered lines) into the matching region or delete it, ${RESTORE}.`,
      );
    } else if (RESERVED.test(trimmed) && !ENTRY.test(trimmed)) {
      fail(
        no,
        `unrecognized agentsync marker \`${trimmed.slice(0, 80)}\``,
        'Markers are `<!-- agentsync:begin NAME -->`, `<!-- agentsync:end NAME -->` and `<!-- agentsync:entry {…} -->`, each on its own line; fix it or remove the comment (comments starting with `agentsync` are reserved).',
      );
    } else if (open) {
      open.body.push({ no, text: trimmed });
    }
    offset += line.length + 1;
  }
  if (open) {
    fail(
      open.no,
      `region \`${open.name}\` is not closed`,
      `Add \`<!-- agentsync:end ${open.name} -->\` after the region's last line (the file ends at line ${rawLines.length}), ${RESTORE}.`,
    );
  }
  doc.blocks.push(text.slice(proseStart));
  return doc;
}

type Fail = (line: number, message: string, hint: string) => never;

function parseRegion(name: RegionName, body: Line[], fail: Fail): Region {
  if (name === 'sessions') {
    return {
      name,
      rows: parseTable(name, SESSION_COLUMNS.length, body, fail).map(({ no, cells: [id, agent, goal, tier, branch, started] }) => {
        const tierNumber = Number(tier);
        if (!Number.isInteger(tierNumber)) {
          fail(no, `session tier \`${tier}\` is not a number`, 'The table is regenerated on every write: delete the row.');
        }
        return { id, agent, goal, tier: tierNumber, branch, started } as SessionRow;
      }),
    };
  }
  if (name === 'claims') {
    return {
      name,
      rows: parseTable(name, CLAIM_COLUMNS.length, body, fail).map(({ no, cells: [holder, glob, mode, expires, session] }) => {
        if (mode !== 'exclusive' && mode !== 'shared') {
          fail(no, `claim mode \`${mode}\` is neither exclusive nor shared`, 'The table is regenerated on every write: delete the row.');
        }
        return { holder, glob, mode, expires, ...(session ? { session } : {}) } as ClaimRow;
      }),
    };
  }
  const list: TrackerEntry[] = [];
  const ids = new Map<string, number>();
  for (const line of body) {
    const json = ENTRY.exec(line.text)?.[1];
    if (json === undefined) continue; // rendered lines: regenerated from the JSON
    const entry = parseEntry(json, line.no, fail);
    if (REGION_OF_KIND[entry.kind] !== name) {
      fail(
        line.no,
        `a \`${entry.kind}\` entry in region \`${name}\``,
        `Move it (with its rendered lines) into the \`${REGION_OF_KIND[entry.kind]}\` region.`,
      );
    }
    if (ids.has(entry.id)) {
      fail(line.no, `entry id \`${entry.id}\` appears twice (first at line ${ids.get(entry.id)})`, 'Delete one of the two entries.');
    }
    ids.set(entry.id, line.no);
    list.push(entry);
  }
  return { name, entries: list } as Region;
}

function parseTable(name: RegionName, width: number, body: Line[], fail: Fail): Array<{ no: number; cells: string[] }> {
  const hint = `The \`${name}\` table is regenerated on every write: delete the broken lines between its markers, ${RESTORE}.`;
  const table = body.filter((line) => line.text.startsWith('|'));
  for (const line of body) {
    if (ENTRY.test(line.text)) fail(line.no, `tracker entry in the \`${name}\` table region`, hint);
  }
  if (table.length === 0) return [];
  if (table.length < 2 || !/^\|(\s*:?-+:?\s*\|)+$/.test(table[1].text)) {
    fail(table[0].no, `the \`${name}\` table has no header row`, hint);
  }
  return table.slice(2).map(({ no, text }) => {
    const cells = splitRow(text);
    if (cells.length !== width) fail(no, `the \`${name}\` table row has ${cells.length} cells, expected ${width}`, hint);
    return { no, cells };
  });
}

/** Splits a table row on unescaped pipes and unescapes each cell. */
function splitRow(row: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 1; i < row.length; i++) {
    if (row[i] === '\\' && i + 1 < row.length) cell += row[i] + row[++i];
    else if (row[i] === '|') {
      cells.push(unescapeCell(cell.trim()));
      cell = '';
    } else cell += row[i];
  }
  if (cell.trim() !== '') cells.push(unescapeCell(cell.trim()));
  return cells;
}

type FieldType = 'string' | 'string?' | 'number?' | 'strings';
const COMMON: Record<string, FieldType> = { id: 'string', at: 'string', updatedAt: 'string', agent: 'string' };
const FIELDS: Record<EntryKind, Record<string, FieldType>> = {
  note: { ...COMMON, session: 'string?', text: 'string' },
  next: { ...COMMON, text: 'string' },
  handoff: {
    ...COMMON,
    session: 'string?',
    goal: 'string?',
    tier: 'number?',
    summary: 'string',
    done: 'strings',
    next: 'strings',
    blockers: 'strings',
    failed: 'strings',
    tokens: 'number?',
    budget: 'string?',
    health: 'string?',
    note: 'string?',
  },
};

function parseEntry(json: string, no: number, fail: Fail): TrackerEntry {
  const hint = `Restore the entry from git (\`git diff AgentTracker.md\` shows the change) or delete the comment and its rendered lines.`;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    fail(no, `tracker entry is not valid JSON: ${(error as Error).message}`, hint);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(no, 'tracker entry is not a JSON object', hint);
  const record = value as Record<string, unknown>;
  if (typeof record.id !== 'string' || record.id === '') fail(no, 'tracker entry has no `id`', hint);
  const kind = record.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(FIELDS, kind)) fail(no, `tracker entry \`${String(record.id)}\` has no valid \`kind\``, hint);
  for (const [field, type] of Object.entries(FIELDS[kind as EntryKind])) {
    const v = record[field];
    const ok =
      type === 'string'
        ? typeof v === 'string'
        : type === 'strings'
          ? Array.isArray(v) && v.every((item) => typeof item === 'string')
          : v === undefined || typeof v === type.slice(0, -1);
    if (!ok) fail(no, `tracker entry \`${record.id}\`: field \`${field}\` must be ${describe(type)}`, hint);
  }
  return record as unknown as TrackerEntry;
}

function describe(type: FieldType): string {
  return { string: 'a string', 'string?': 'a string or absent', 'number?': 'a number or absent', strings: 'a list of strings' }[type];
}

// ---------------------------------------------------------------- initial file

/** The AgentTracker.md that `agentsync init` writes: the protocol in prose, then all five regions, empty. */
export function createTrackerText(options: { projectName?: string; healthNote?: string } = {}): string {
  const title = options.projectName ? `# AgentTracker — ${options.projectName}` : '# AgentTracker';
  const prose = [
    title,
    '',
    'Shared memory for the AI coding agents and the humans working in this repository.',
    '',
    '## How to work here',
    '',
    '1. Read this file first: active sessions, claims, suggested next work and the latest handoffs.',
    '2. Start a session: `agentsync start --goal "…" --tier N --claim "path/or/glob/**"`',
    '   (tier 1 Simple … 4 Expert sets your token budget).',
    '3. Keep edits to hot files small, and write partial work down as you go: `agentsync note "…"`.',
    '4. Hand off: `agentsync end --summary "…" --next "…"` runs the health checks, releases your',
    '   claims and records what you did and what should come next.',
    '',
    'Edit the prose freely. The blocks between `agentsync:begin` and `agentsync:end` comments are',
    'managed by agentsync and rewritten on every update: change them through the commands above.',
    ...(options.healthNote ? ['', options.healthNote] : []),
  ];
  const regions = REGION_NAMES.flatMap((name) => [
    '',
    `## ${HEADINGS[name]}`,
    '',
    renderRegion(emptyRegion(name), '\n'),
  ]);
  return [...prose, ...regions, ''].join('\n');
}
