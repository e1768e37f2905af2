/**
 * Editing one table of a TOML file (Codex's `.codex/config.toml`) as text, so every
 * other line (comments, order, the user's own servers) stays byte for byte.
 * smol-toml parses the file before and after: an edit that would not read back
 * as intended is refused instead of written.
 */
import { parse } from 'smol-toml';
import { UsageError } from '../errors';

type Table = Record<string, unknown>;

function parseToml(text: string, file: string): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    const line = (error as { line?: number }).line;
    throw new UsageError(`${file}${line ? `:${line}` : ''}: invalid TOML (${(error as Error).message.split('\n')[0]}); AgentSync changed nothing in it.`, {
      where: line ? `${file}:${line}` : file,
      hint: `Fix ${file}, then run \`agentsync init\` again.`,
    });
  }
}

/** The value at a dotted path such as ['mcp_servers', 'agentsync']. */
export function readTomlTable(text: string | undefined, path: readonly string[], file: string): Table | undefined {
  if (text === undefined) return undefined;
  let value: unknown = parseToml(text, file);
  for (const key of path) value = value && typeof value === 'object' ? (value as Table)[key] : undefined;
  return value && typeof value === 'object' ? (value as Table) : undefined;
}

const bareKey = (key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key));
const headerOf = (path: readonly string[]) => `[${path.map(bareKey).join('.')}]`;

/** A header line `[a.b]` or `[a.b.sub…]` of the table at `path`, with any quoting and spacing. */
function headerPattern(path: readonly string[], subtables: boolean): RegExp {
  const escaped = path.map((key) => key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&'));
  const keys = escaped.map((key) => `\\s*(?:${key}|"${key}"|'${key}')\\s*`).join('\\.');
  return new RegExp(`^\\s*\\[${keys}${subtables ? '(?:\\.[^\\]]+)?' : ''}\\]\\s*(?:#.*)?$`);
}

/** Line ranges [start, end) of the table at `path` and its sub-tables, each from its header to the next header. */
function tableBlocks(lines: readonly string[], path: readonly string[]): Array<[number, number]> {
  const ours = headerPattern(path, true);
  const blocks: Array<[number, number]> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!ours.test(lines[i])) continue;
    let end = i + 1;
    while (end < lines.length && !/^\s*\[/.test(lines[end])) end++;
    // Comments and blank lines just before the next header belong to what follows.
    while (end > i + 1 && /^\s*(#.*)?$/.test(lines[end - 1]) && end < lines.length) end--;
    blocks.push([i, end]);
    i = end - 1;
  }
  return blocks;
}

const tomlValue = (value: unknown): string => (Array.isArray(value) ? `[${value.map(tomlValue).join(', ')}]` : JSON.stringify(value));

/** A key's first line and, for a multi-line array, the lines up to its closing bracket. */
function keyLines(lines: readonly string[], start: number, end: number, key: string): [number, number] | undefined {
  const pattern = new RegExp(`^\\s*(?:${key}|"${key}")\\s*=`);
  for (let i = start; i < end; i++) {
    if (!pattern.test(lines[i])) continue;
    let last = i;
    if (/=\s*\[/.test(lines[i]) && !/\]\s*(#.*)?$/.test(lines[i])) while (last < end - 1 && !/^\s*\]/.test(lines[last])) last++;
    return [i, last + 1];
  }
  return undefined;
}

/**
 * `text` (undefined: a new file) with each of `values` set in the table at `path`; the table's
 * other keys and sub-tables are kept. Returns `text` itself when nothing differs. A table
 * defined some other way (inline, or by dotted keys) is not touched: UsageError.
 */
export function withTomlTable(text: string | undefined, path: readonly string[], values: Record<string, unknown>, file: string): string {
  const before = readTomlTable(text, path, file);
  const differs = Object.entries(values).filter(([key, value]) => JSON.stringify(before?.[key]) !== JSON.stringify(value));
  if (text !== undefined && differs.length === 0) return text;
  const eol = text?.includes('\r\n') ? '\r\n' : '\n';
  const lines = (text ?? '').split(/\r?\n/);
  const main = tableBlocks(lines, path).find(([start]) => headerPattern(path, false).test(lines[start]));
  let next: string;
  if (main) {
    const [start, end] = main;
    const kept = lines.slice(start + 1, end);
    for (const [key] of differs) {
      const range = keyLines(kept, 0, kept.length, key);
      if (range) kept.splice(range[0], range[1] - range[0]);
    }
    const added = differs.map(([key, value]) => `${bareKey(key)} = ${tomlValue(value)}`);
    next = [...lines.slice(0, start + 1), ...added, ...kept, ...lines.slice(end)].join(eol);
  } else if (before) {
    throw new UsageError(`${file} defines ${path.join('.')} without a ${headerOf(path)} table; AgentSync changed nothing in it.`, {
      where: file,
      hint: `Write it as a ${headerOf(path)} table, or delete it to have AgentSync add its own.`,
    });
  } else {
    const body = (text ?? '').replace(/(\r?\n)*$/, '');
    const table = [headerOf(path), ...Object.entries(values).map(([key, value]) => `${bareKey(key)} = ${tomlValue(value)}`)].join(eol);
    next = `${body ? `${body}${eol}${eol}` : ''}${table}${eol}`;
  }
  const after = readTomlTable(next, path, file);
  if (Object.entries(values).some(([key, value]) => JSON.stringify(after?.[key]) !== JSON.stringify(value))) {
    throw new UsageError(`Could not update ${headerOf(path)} in ${file} safely; AgentSync changed nothing in it.`, {
      where: file,
      hint: `Set ${Object.keys(values).join(', ')} in ${headerOf(path)} by hand.`,
    });
  }
  return next;
}

/** `text` without the table at `path` and its sub-tables; undefined when nothing else remains. */
export function withoutTomlTable(text: string, path: readonly string[], file: string): string | undefined {
  if (!readTomlTable(text, path, file)) return text;
  const lines = text.split(/\r?\n/);
  const blocks = tableBlocks(lines, path);
  if (blocks.length === 0) {
    throw new UsageError(`${file} defines ${path.join('.')} without a ${headerOf(path)} table; remove it by hand.`, { where: file });
  }
  const drop = new Set(blocks.flatMap(([start, end]) => Array.from({ length: end - start }, (_, i) => start + i)));
  const next = lines.filter((_, i) => !drop.has(i)).join(text.includes('\r\n') ? '\r\n' : '\n').replace(/(\r?\n){3,}/g, '$1$1');
  return next.trim() === '' ? undefined : next;
}
