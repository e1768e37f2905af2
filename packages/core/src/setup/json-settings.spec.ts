import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors';
import { readJsonSetting, withJsonEdits } from './json-settings';

describe('withJsonEdits', () => {
  it('inserts, replaces and removes array entries; comments, key order, tabs and CRLF stay', () => {
    const text = '{\r\n\t// mine\r\n\t"b": 1,\r\n\t"a": [{ "x": 1 }]\r\n}\r\n';
    const added = withJsonEdits(text, [{ path: ['a', -1], value: { y: 2 }, insert: true }, { path: ['c'], value: true }], 'f.json');
    expect(added).toMatch(/^\{\r\n\t\/\/ mine\r\n\t"b": 1,\r\n\t"a": \[\r\n\t\t\{/);
    expect(readJsonSetting(added, [], 'f.json')).toEqual({ b: 1, a: [{ x: 1 }, { y: 2 }], c: true });
    const replaced = withJsonEdits(added, [{ path: ['a', 1], value: { y: 3 } }], 'f.json');
    expect(readJsonSetting(replaced, ['a'], 'f.json')).toEqual([{ x: 1 }, { y: 3 }]);
    const removed = withJsonEdits(replaced, [{ path: ['a', 1], value: undefined }, { path: ['c'], value: undefined }], 'f.json');
    expect(readJsonSetting(removed, [], 'f.json')).toEqual({ b: 1, a: [{ x: 1 }] });
    expect(removed).toContain('// mine');
  });

  it('starts a missing or blank file as an object indented by two spaces', () => {
    expect(withJsonEdits(undefined, [{ path: ['x'], value: [1] }], 'f.json')).toBe('{\n  "x": [\n    1\n  ]\n}\n');
    expect(withJsonEdits('  \n', [{ path: ['x'], value: 1 }], 'f.json')).toBe('{\n  "x": 1\n}\n');
  });

  it('changes nothing in a file that does not parse, naming its line', () => {
    expect(() => withJsonEdits('{\n  "a": 1\n  "b": 2\n}', [{ path: ['c'], value: 1 }], '.claude/settings.json')).toThrow(UsageError);
    expect(() => withJsonEdits('{\n  "a": 1\n  "b": 2\n}', [], '.claude/settings.json')).toThrow(/^\.claude\/settings\.json:3: CommaExpected/);
  });
});
