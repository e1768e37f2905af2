import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors';
import { editJson, parseJsonFile } from './json-file';

describe('editJson', () => {
  it('changes only the values it targets: comments, key order, tabs and CRLF stay', () => {
    const text = '{\r\n\t// mine\r\n\t"b": 1,\r\n\t"a": [1]\r\n}\r\n';
    const out = editJson(text, [{ path: ['a', -1], value: 2, insert: true }, { path: ['c'], value: { d: true } }]);
    // The array it inserted into is laid out anew (jsonc-parser formats what it touches); nothing else moves.
    expect(out).toBe('{\r\n\t// mine\r\n\t"b": 1,\r\n\t"a": [\r\n\t\t1,\r\n\t\t2\r\n\t],\r\n\t"c": {\r\n\t\t"d": true\r\n\t}\r\n}\r\n');
    expect(editJson(out, [{ path: ['c'], value: undefined }])).toBe('{\r\n\t// mine\r\n\t"b": 1,\r\n\t"a": [\r\n\t\t1,\r\n\t\t2\r\n\t]\r\n}\r\n');
  });

  it('starts a missing or blank file as an object indented by two spaces', () => {
    expect(editJson(undefined, [{ path: ['x'], value: [1] }])).toBe('{\n  "x": [\n    1\n  ]\n}\n');
    expect(editJson('  \n', [{ path: ['x'], value: 1 }])).toBe('{\n  "x": 1\n}\n');
  });
});

describe('parseJsonFile', () => {
  it('accepts comments and trailing commas, and names line and column of what does not parse', () => {
    expect(parseJsonFile('{ /* c */ "a": 1, }', 'f.json')).toEqual({ a: 1 });
    expect(() => parseJsonFile('{\n  "a": 1\n  "b": 2\n}', '.claude/settings.json')).toThrow(UsageError);
    expect(() => parseJsonFile('{\n  "a": 1\n  "b": 2\n}', '.claude/settings.json')).toThrow(/^\.claude\/settings\.json:3:3: CommaExpected/);
  });
});
