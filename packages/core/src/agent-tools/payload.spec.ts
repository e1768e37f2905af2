import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchMatches } from '../branches';
import { instanceAgentId, toolOfInstance } from './instance';
import { editedPaths, parseHookPayload, patchPaths, PayloadError } from './payload';

const fixture = (path: string) => readFileSync(join(__dirname, 'fixtures', path), 'utf8');

describe('parseHookPayload and editedPaths, on payloads captured from the real tools (fixtures/README.md)', () => {
  it('reads Claude Code 2.1.328: session, cwd, the Write file path', () => {
    const payload = parseHookPayload('claude', fixture('claude/pre-tool-use.write.json'));
    expect(payload).toMatchObject({ sessionId: '91b8b624-2f67-46ce-8c6a-4c6e5ddb9621', cwd: '/repo', event: 'PreToolUse', toolName: 'Write', stopHookActive: false });
    expect(editedPaths(payload)).toEqual(['/repo/a.txt']);
    expect(parseHookPayload('claude', fixture('claude/stop.json')).stopHookActive).toBe(false);
    expect(parseHookPayload('claude', fixture('claude/session-start.json')).source).toBe('startup');
    expect(editedPaths(parseHookPayload('claude', fixture('claude/post-tool-use.bash.json')))).toEqual([]);
  });

  it("reads Codex 0.169.0's apply_patch: every file of the patch, both sides of a move, absolute paths kept", () => {
    expect(editedPaths(parseHookPayload('codex', fixture('codex/pre-tool-use.apply_patch.payload.json')))).toEqual(['src/held.txt', 'src/added.txt']);
    expect(editedPaths(parseHookPayload('codex', fixture('codex/pre-tool-use.apply_patch.move-delete-abs.payload.json')))).toEqual([
      'src/held.txt',
      'src/moved.txt',
      'src/gone.txt',
      '/tmp/agt-codex/move/repo/src/abs.txt',
    ]);
    // The shell tool's command is no patch.
    expect(editedPaths(parseHookPayload('codex', fixture('codex/pre-tool-use.bash.payload.json')))).toEqual([]);
  });

  it('refuses what is not a JSON object, saying what it got', () => {
    expect(() => parseHookPayload('claude', '')).toThrow(new PayloadError('the claude hook payload on stdin is not JSON (it is empty)'));
    expect(() => parseHookPayload('codex', '[1]')).toThrow(PayloadError);
  });
});

describe('patchPaths', () => {
  it('takes indented headers and ignores lines of content that look like headers', () => {
    const patch = '*** Begin Patch\n  *** Update File: a b.ts\n@@\n+*** Add File: not-a-header\n*** Delete File: c.ts\r\n*** End Patch\n';
    expect(patchPaths(patch)).toEqual(['a b.ts', 'c.ts']);
  });
});

describe('instance ids', () => {
  it('names an instance by its tool and 8 letters or digits of its session id', () => {
    expect(instanceAgentId('claude', '91B8B624-2f67-46ce-8c6a-4c6e5ddb9621')).toBe('claude-91b8b624');
    expect(instanceAgentId('codex', '01a24259-f535-74b0-88fb-d32f0d681a40')).toBe('codex-0d681a40');
    expect(instanceAgentId('claude', 'short')).toBeUndefined();
    expect(toolOfInstance('claude-91b8b624')).toBe('claude');
    expect(toolOfInstance('claude')).toBeUndefined();
    expect(toolOfInstance('alice-91b8b624')).toBeUndefined();
  });

  it('lets an instance work on a branch named for its tool', () => {
    expect(branchMatches('{agent}/{feature}', 'claude-91b8b624', 'claude/login')).toBe(true);
    expect(branchMatches('{agent}/{feature}', 'claude-91b8b624', 'claude-91b8b624/login')).toBe(true);
    expect(branchMatches('{agent}/{feature}', 'claude-91b8b624', 'codex/login')).toBe(false);
  });
});
