/**
 * Changing a user's JSON file (an agent tool's settings, an MCP config) in
 * place: each edit rewrites only the value it targets, through jsonc-parser's
 * `modify`, so comments, key order, indentation and line endings stay as the
 * user wrote them. The one place AgentSync merges into JSON it does not own.
 */
import { applyEdits, modify, parse, printParseErrorCode, type FormattingOptions, type JSONPath, type ParseError } from 'jsonc-parser';
import { UsageError } from '../errors';

export type { JSONPath } from 'jsonc-parser';

/** Set `path` to `value` (undefined removes it); with `insert`, `path` ends in an array index to insert before (-1 appends). */
export interface JsonEdit {
  path: JSONPath;
  value: unknown;
  insert?: boolean;
}

/** Parses a JSON (or JSONC) file; a UsageError naming the file, line and column when it does not parse. */
export function parseJsonFile(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length === 0) return value ?? {};
  const { offset, error } = errors[0];
  const before = text.slice(0, offset).split('\n');
  throw new UsageError(`${file}:${before.length}:${before[before.length - 1].length + 1}: ${printParseErrorCode(error)}; the file is not valid JSON.`, {
    where: file,
    hint: `Fix ${file} first; AgentSync changes nothing in it until it parses.`,
  });
}

/** The indentation and line ending the file already uses (two spaces and \n for a new file). */
function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return {
    insertSpaces: !indent.startsWith('\t'),
    tabSize: indent.startsWith('\t') ? 1 : indent.length,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

/** Applies `edits` in order to `text` (undefined or blank: a new file), returning the new text ending in a newline. */
export function editJson(text: string | undefined, edits: readonly JsonEdit[]): string {
  let out = text === undefined || text.trim() === '' ? '{}\n' : text;
  const formattingOptions = formattingOf(out);
  for (const edit of edits) {
    out = applyEdits(out, modify(out, edit.path, edit.value, { formattingOptions, isArrayInsertion: edit.insert }));
  }
  const eol = formattingOptions.eol ?? '\n';
  return out.endsWith(eol) ? out : `${out}${eol}`;
}
