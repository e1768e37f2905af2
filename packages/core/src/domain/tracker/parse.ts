/** AgentTracker.md to its data, with a TrackerError naming the line for anything malformed in a managed region. */
import { TrackerError } from '../../errors';
import { CLAIM_COLUMNS, renderRegion, SESSION_COLUMNS, unescapeCell } from './render';
import {
  ENTRY_FIELDS,
  REGION_NAMES,
  REGION_OF_KIND,
  type ClaimRow,
  type EntryKind,
  type FieldType,
  type Region,
  type RegionName,
  type SessionRow,
  type TrackerDoc,
  type TrackerEntry,
} from './types';

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
  if (typeof kind !== 'string' || !Object.hasOwn(ENTRY_FIELDS, kind)) fail(no, `tracker entry \`${String(record.id)}\` has no valid \`kind\``, hint);
  for (const [field, type] of Object.entries<FieldType>(ENTRY_FIELDS[kind as EntryKind])) {
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
