/**
 * Editing the agent tools' JSON settings files (.mcp.json, .gemini/settings.json,
 * .vscode/mcp.json, …) in place: only the keys AgentSync owns change; the user's
 * keys, comments, order and indentation stay as they were (jsonc-parser's
 * `modify`, the edit engine of VS Code's own settings files).
 */
import { applyEdits, findNodeAtLocation, format, getNodeValue, modify, parseTree, printParseErrorCode, type JSONPath, type Node, type ParseError } from 'jsonc-parser';
import { UsageError } from '../errors';

/** Parses a settings file (comments and trailing commas allowed, as every tool reads them); UsageError naming the line. */
function parseSettings(text: string, file: string): Node | undefined {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (text.trim() === '') return undefined;
  if (errors.length === 0 && tree?.type === 'object') return tree;
  const offset = errors[0]?.offset ?? 0;
  const line = text.slice(0, offset).split('\n').length;
  const what = errors.length ? printParseErrorCode(errors[0].error) : 'not a JSON object';
  throw new UsageError(`${file}:${line}: ${what}; AgentSync changed nothing in it.`, {
    where: `${file}:${line}`,
    hint: `Fix ${file} (it must hold one JSON object), then run \`agentsync init\` again.`,
  });
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The file's own indentation and line ends, so an edit looks as if its author made it. */
function formatting(text: string) {
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  return { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/**
 * `text` with `value` set at `path`. jsonc-parser formats whole lines around an edit, which would
 * reflow a user's one-line sibling entry: an insertion next to other keys formats only what it
 * inserted; one into an empty or missing object formats that object's line, the only way to indent it.
 */
function setValue(text: string, path: JSONPath, value: unknown, file: string): string {
  const parent = readJsonSetting(text, path.slice(0, -1), file);
  const options = formatting(text);
  if (!parent || typeof parent !== 'object' || Object.keys(parent).length === 0) {
    return applyEdits(text, modify(text, path, value, { formattingOptions: options }));
  }
  let next = text;
  for (const edit of modify(text, path, value, {})) {
    next = applyEdits(next, [edit]);
    next = applyEdits(next, format(next, { offset: edit.offset, length: edit.content.length }, { ...options, keepLines: false }));
  }
  return next;
}

/** The value at `path` in a settings text, or undefined. Throws UsageError when the text is not a JSON object. */
export function readJsonSetting(text: string | undefined, path: JSONPath, file: string): unknown {
  const tree = text === undefined ? undefined : parseSettings(text, file);
  const node = tree && findNodeAtLocation(tree, path);
  return node && getNodeValue(node);
}

/**
 * `text` (undefined: a new file) with each of `values` set under `path`; other keys there are
 * kept. Returns `text` itself when nothing differs.
 */
export function withJsonSettings(text: string | undefined, path: JSONPath, values: Record<string, unknown>, file: string): string {
  const source = text === undefined || text.trim() === '' ? '{}\n' : text;
  parseSettings(source, file);
  // A new entry goes in as one edit, so it is formatted as one object.
  if (readJsonSetting(source, path, file) === undefined) return setValue(source, path, values, file);
  let next = source;
  for (const [key, value] of Object.entries(values)) {
    if (sameJson(readJsonSetting(next, [...path, key], file), value)) continue;
    next = setValue(next, [...path, key], value, file);
  }
  return next === source && text !== undefined ? text : next;
}

/**
 * `text` without the key at `path`; a parent object left empty goes too. Undefined when
 * nothing but `{}` would remain (the file can be deleted); `text` itself when the key is absent.
 */
export function withoutJsonSetting(text: string, path: JSONPath, file: string): string | undefined {
  if (readJsonSetting(text, path, file) === undefined) return text;
  let next = text;
  for (let depth = path.length; depth > 0; depth--) {
    const at = path.slice(0, depth);
    const value = readJsonSetting(next, at, file);
    const empty = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
    if (depth < path.length && !empty) break;
    next = applyEdits(next, modify(next, at, undefined, {}));
  }
  const rest = readJsonSetting(next, [], file);
  return rest && typeof rest === 'object' && Object.keys(rest).length === 0 ? undefined : next;
}

/** One change of a settings text: `value` at `path`, undefined to remove it; with `insert`, `path` ends in the array index to insert at (-1: append). */
export interface JsonEdit {
  path: JSONPath;
  value: unknown;
  insert?: boolean;
}

/**
 * `text` (undefined: a new file) with `edits` applied in order: for the agent
 * tools' hook arrays, whose entries AgentSync inserts, replaces and removes by
 * index. Each edit is formatted as the file is; the array it touches is laid
 * out anew (jsonc-parser's formatting of an array edit), everything else stays.
 */
export function withJsonEdits(text: string | undefined, edits: readonly JsonEdit[], file: string): string {
  let next = text === undefined || text.trim() === '' ? '{}\n' : text;
  parseSettings(next, file);
  const formattingOptions = formatting(next);
  for (const edit of edits) next = applyEdits(next, modify(next, edit.path, edit.value, { formattingOptions, isArrayInsertion: edit.insert }));
  return next;
}
