/**
 * Reading and validating `.agentsync.json`: every problem in the file is reported at once,
 * each with its JSON path, line and column, in words a person can act on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createScanner,
  findNodeAtLocation,
  findNodeAtOffset,
  getNodePath,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type JSONPath,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors';
import { CONFIG_FILE } from './constants';
import { configSchema, defaultConfig, jsonType, showValue, type AgentSyncConfig } from './schema';

/** Reads and validates `<root>/.agentsync.json`; a missing file means the defaults. Throws ConfigError. */
export async function loadConfig(root: string): Promise<{ config: AgentSyncConfig; file: string; exists: boolean }> {
  const file = join(root, CONFIG_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { config: defaultConfig(), file, exists: false };
    throw new ConfigError(file, [
      { path: '(root)', message: `cannot read the file (${code ?? String(error)})`, hint: 'make it a readable file' },
    ]);
  }
  return { config: validateConfigBytes(bytes, file), file, exists: true };
}

/** Like {@link validateConfig}, for the file's bytes: bytes that are not UTF-8 are an error, not replacement characters. */
export function validateConfigBytes(bytes: Uint8Array, file: string): AgentSyncConfig {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).filter((byte) => byte === 0x0a).length + 1;
    throw new ConfigError(file, [
      { path: '(root)', line, message: `the file is not valid UTF-8 (byte ${offset + 1})`, hint: 'save it as UTF-8' },
    ]);
  }
  return validateConfig(text, file);
}

/** The offset of the first byte at which `bytes` stops being UTF-8 (only asked on the error path: byte by byte). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return bytes.length;
}

/** Deeper than any config needs; the parser recurses, so a deeper file would overflow the stack. */
const MAX_DEPTH = 64;

/** Parses and validates config text; `file` only names it in errors. Throws ConfigError listing every problem. */
export function validateConfig(text: string, file: string): AgentSyncConfig {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const deep = offsetBeyondDepth(source, MAX_DEPTH);
  if (deep >= 0) {
    throw new ConfigError(file, [
      { path: '(root)', ...position(source, deep), message: `nested more than ${MAX_DEPTH} levels deep`, hint: 'a config needs a few levels at most' },
    ]);
  }
  const errors: ParseError[] = [];
  const tree = parseTree(source, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const { issues, fatal } = syntaxIssues(source, tree, errors);
  // Comments and trailing commas leave a complete tree behind, so the schema can still be checked.
  if (tree && !fatal) {
    issues.push(...duplicateKeys(source, tree));
    const result = configSchema.safeParse(getNodeValue(tree), { error: humanMessage });
    if (result.success && issues.length === 0) return result.data;
    for (const issue of result.error?.issues ?? []) issues.push(...schemaIssues(source, tree, issue, []));
  }
  throw new ConfigError(file, issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)));
}

const SYNTAX: Record<string, [message: string, hint?: string]> = {
  InvalidSymbol: ['unexpected text', 'values are numbers, "double-quoted strings", true, false, null, objects and arrays'],
  InvalidNumberFormat: ['invalid number'],
  PropertyNameExpected: ['expected a key in double quotes'],
  ValueExpected: ['expected a value'],
  ColonExpected: ['expected ":" after the key'],
  CommaExpected: ['expected "," between entries'],
  CloseBraceExpected: ['expected "}" to close the object'],
  CloseBracketExpected: ['expected "]" to close the array'],
  EndOfFileExpected: ['unexpected text after the end of the top-level object', 'the file holds a single JSON object'],
  InvalidCommentToken: ['comments are not allowed', 'JSON has no comments; remove it'],
  UnexpectedEndOfComment: ['comments are not allowed', 'JSON has no comments; remove it'],
  UnexpectedEndOfString: ['unterminated string', 'close the string with a double quote; strings cannot span lines'],
  UnexpectedEndOfNumber: ['incomplete number'],
  InvalidUnicode: ['invalid \\u escape in a string'],
  InvalidEscapeCharacter: ['invalid escape in a string', 'write a backslash as \\\\'],
  InvalidCharacter: ['invalid character in a string', 'write tabs and line breaks as \\t and \\n'],
};

/**
 * jsonc-parser recovers from every error, so one real mistake cascades into several; only the first
 * of those is reported. Comments and trailing commas do not cascade: each is reported.
 */
function syntaxIssues(source: string, tree: Node | undefined, errors: readonly ParseError[]) {
  const issues: ConfigIssue[] = [];
  const seen = new Set<number>();
  let fatal = false;
  for (const error of errors) {
    const code = printParseErrorCode(error.error);
    const comma = code === 'PropertyNameExpected' || code === 'ValueExpected' ? trailingComma(source, error.offset) : -1;
    const offset = comma >= 0 ? comma : error.offset;
    if (seen.has(offset)) continue;
    seen.add(offset);
    const recoverable = comma >= 0 || code === 'InvalidCommentToken';
    if (!recoverable && fatal) continue;
    fatal ||= !recoverable;
    const node = tree && findNodeAtOffset(tree, offset);
    const issue = { path: formatPath(node ? getNodePath(node) : []), ...position(source, offset) };
    if (comma >= 0) {
      issues.push({ ...issue, message: 'trailing comma', hint: 'JSON allows no comma after the last entry; remove it' });
    } else if (code === 'ValueExpected' && source.trim() === '') {
      issues.push({ ...issue, message: 'the file is empty', hint: 'write {} to use the defaults' });
    } else {
      const [message, hint] = SYNTAX[code] ?? ['invalid JSON'];
      const found = code === 'InvalidSymbol' ? ` ${JSON.stringify(source.slice(offset, offset + error.length))}` : '';
      issues.push({ ...issue, message: message + found, hint });
    }
  }
  return { issues, fatal };
}

/** jsonc-parser's SyntaxKind values: a const enum, which isolated modules cannot import. */
const TOKEN = { open: [1, 3], close: [2, 4], eof: 17 } as const satisfies Record<string, number | readonly number[]>;

/** The offset of the first `{` or `[` nested deeper than `max`, or -1; a flat scan that cannot overflow. */
function offsetBeyondDepth(source: string, max: number): number {
  const scanner = createScanner(source, true);
  let depth = 0;
  for (let token: number = scanner.scan(); token !== TOKEN.eof; token = scanner.scan()) {
    if ((TOKEN.open as readonly number[]).includes(token)) {
      if (++depth > max) return scanner.getTokenOffset();
    } else if ((TOKEN.close as readonly number[]).includes(token)) depth--;
  }
  return -1;
}

/** The offset of the comma before a closing bracket at `offset`, or -1 when that is not a trailing comma. */
function trailingComma(source: string, offset: number): number {
  if (source[offset] !== '}' && source[offset] !== ']') return -1;
  const before = source.slice(0, offset).trimEnd();
  return before.endsWith(',') ? before.length - 1 : -1;
}

/** JSON keeps the last of two equal keys; that silently drops the first, so it is an error here. */
function duplicateKeys(source: string, node: Node): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const keys = new Set<string>();
  for (const child of node.children ?? []) {
    const [key, value] = child.children ?? [];
    if (node.type === 'object' && key) {
      if (keys.has(key.value)) {
        issues.push({
          path: formatPath([...getNodePath(node), key.value]),
          ...position(source, key.offset),
          message: `duplicate key ${JSON.stringify(key.value)}`,
          hint: 'only the last one would count; merge the two',
        });
      }
      keys.add(key.value);
    }
    const nested = node.type === 'object' ? value : child;
    if (nested) issues.push(...duplicateKeys(source, nested));
  }
  return issues;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/** Zod's messages for the generic checks, reworded; the schema's own messages take precedence over these. */
function humanMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const got = issue.expected === 'int' && typeof issue.input === 'number' ? issue.input : jsonType(issue.input);
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value));
      return `expected ${values.length === 1 ? values[0] : `one of ${values.join(', ')}`}, got ${showValue(issue.input)}`;
    }
    case 'too_small':
      if (issue.origin === 'array') {
        return issue.minimum === 1 ? 'must list at least one entry' : `must list at least ${issue.minimum} entries`;
      }
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}, got ${showValue(issue.input)}`;
    case 'too_big':
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}, got ${showValue(issue.input)}`;
    case 'invalid_union':
      return 'does not match any of the allowed forms';
    default:
      return 'is invalid';
  }
}

/** One zod issue as config issues: one per unknown key, and a union's issues from the one branch the value was meant for. */
function schemaIssues(source: string, tree: Node, issue: z.core.$ZodIssue, base: JSONPath): ConfigIssue[] {
  const path = [...base, ...(issue.path as JSONPath)];
  if (issue.code === 'unrecognized_keys') {
    const known = objectKeysAt(configSchema, path);
    return issue.keys.map((key) => {
      const keyNode = findNodeAtLocation(tree, [...path, key])?.parent?.children?.[0];
      const close = suggest(key, known);
      return {
        path: formatPath([...path, key]),
        ...position(source, keyNode?.offset ?? 0),
        message: `unknown key ${JSON.stringify(key)}`,
        hint: close ? `did you mean ${JSON.stringify(close)}?` : `allowed here: ${known.map((k) => JSON.stringify(k)).join(', ')}`,
      };
    });
  }
  if (issue.code === 'invalid_union') {
    // A branch that failed on the value's type is not the one the user meant.
    const meant = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (meant.length === 1) return meant[0].flatMap((inner) => schemaIssues(source, tree, inner, path));
  }
  let node: Node | undefined;
  for (let at = path.length; !node && at >= 0; at--) node = findNodeAtLocation(tree, path.slice(0, at));
  const hint = issue.code === 'custom' ? (issue.params?.hint as string | undefined) : undefined;
  return [{ path: formatPath(path), ...position(source, (node ?? tree).offset), message: issue.message, hint }];
}

/** The keys an object at `path` of the schema allows. */
function objectKeysAt(schema: z.ZodType, path: JSONPath): string[] {
  if (schema instanceof z.ZodObject) {
    if (path.length === 0) return Object.keys(schema.shape);
    const child = schema.shape[String(path[0])] as z.ZodType | undefined;
    return child ? objectKeysAt(child, path.slice(1)) : [];
  }
  if (schema instanceof z.ZodArray) return objectKeysAt(schema.element as z.ZodType, path.slice(1));
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) {
    return objectKeysAt(schema.unwrap() as z.ZodType, path);
  }
  if (schema instanceof z.ZodPipe) return objectKeysAt(schema.in as z.ZodType, path);
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap((option) => objectKeysAt(option, path));
  return [];
}

/** The known key a typo most likely meant: same letters ignoring case, or within a third of its length in edits. */
function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance && distance <= Math.floor(Math.max(key.length, candidate.length) / 3)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Edit distance counting a swap of neighbours as one edit, so "modle" is one away from "model". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** `health.commands[0].run`; `(root)` for the top. */
function formatPath(path: JSONPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out || '(root)';
}

/** 1-based line and column of an offset. */
function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
