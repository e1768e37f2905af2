import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchMatches } from '../domain/branches';
import { instanceAgentId, toolOfInstance } from '../domain/agent-instance';
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

  it('reads Gemini CLI 0.61.0: write_file with an absolute path, replace with the relative one the model wrote', () => {
    const write = parseHookPayload('gemini', fixture('gemini/before-tool.write_file.payload.json'));
    expect(write.sessionId).toBe('c5d818e6-cd8e-4497-97cf-3e6e8f89d4bc');
    expect(editedPaths(write)).toEqual(['/tmp/agt-gemini/t1/repo/src/held.txt']);
    const replace = parseHookPayload('gemini', fixture('gemini/before-tool.replace.payload.json'));
    expect([replace.cwd, editedPaths(replace)]).toEqual(['/tmp/agt-gemini/replace/repo', ['src/held.txt']]);
  });

  it("reads Copilot CLI 1.0.102: camelCase toolArgs as an object, apply_patch's as the patch, the PascalCase format too", () => {
    const edit = parseHookPayload('copilot', fixture('copilot/pre-tool-use.edit.payload.json'));
    expect([edit.sessionId, edit.toolName, editedPaths(edit)]).toEqual(['64a64fd9-14fe-42c7-b35c-78d22131f73e', 'edit', ['/tmp/agt-copilot/t1/repo/src/held.txt']]);
    expect(editedPaths(parseHookPayload('copilot', fixture('copilot/pre-tool-use.create.payload.json')))).toHaveLength(1);
    expect(editedPaths(parseHookPayload('copilot', fixture('copilot/pre-tool-use.apply_patch.payload.json')))).toEqual(['src/held.txt', 'src/added.txt']);
    expect(editedPaths(parseHookPayload('copilot', fixture('copilot/pre-tool-use.edit.pascal-case.payload.json')))).toEqual(['/tmp/agt-copilot/t1/repo/src/held.txt']);
    // The format of the docs and the cloud coding agent: toolArgs as a JSON string.
    const older = parseHookPayload('copilot', JSON.stringify({ sessionId: 's-123456789', toolName: 'edit', toolArgs: JSON.stringify({ path: 'src/a.ts' }) }));
    expect(editedPaths(older)).toEqual(['src/a.ts']);
  });

  it("reads Cursor's preToolUse envelope (secondary sources, fixtures/README.md)", () => {
    const grep = parseHookPayload('cursor', fixture('cursor/pre-tool-use.grep.payload.json'));
    expect([grep.event, grep.toolName]).toEqual(['preToolUse', 'Grep']);
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
