import { describe, expect, it } from 'vitest';
import type { FileChange } from './file-host';
import { memoryHost as sharedMemoryHost } from './file-host.fixtures';
import { readJsonSetting } from './json-settings';
import { AGENT_TOOLS } from '../domain/agent-instance';
import { AGENT_HOOK_SCRIPT } from './agent-hook-script';
import { AGENT_WIRING, removeAgentWiring, wireAgentTools } from './agent-wiring';

/** Core's memory host, its json() reading JSONC (settings files may hold comments). */
function memoryHost(files: Record<string, string> = {}) {
  const memory = sharedMemoryHost(files);
  return { ...memory, json: (path: string) => readJsonSetting(memory.disk.get(path)!, [], path) as any };
}

const claudeCommand = (event: string) => `sh "$CLAUDE_PROJECT_DIR/.agentsync/agent-hook.sh" ${event} claude`;

describe('wireAgentTools', () => {
  it("writes Claude Code's four hooks, the edit guard blocking on its own failure", () => {
    const { host, json } = memoryHost();
    const changed: FileChange[] = [];
    wireAgentTools(host, changed, ['claude']);
    expect(changed).toEqual([
      { path: AGENT_HOOK_SCRIPT, action: 'created' },
      { path: '.claude/settings.json', action: 'created' },
    ]);
    expect(json('.claude/settings.json')).toEqual({
      hooks: {
        PreToolUse: [{ matcher: 'Edit|Write|MultiEdit|NotebookEdit', hooks: [{ type: 'command', command: claudeCommand('edit'), timeout: 30, onFailure: 'block' }] }],
        SessionStart: [{ hooks: [{ type: 'command', command: claudeCommand('start'), timeout: 30 }] }],
        PostToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: claudeCommand('shell'), timeout: 30 }] }],
        Stop: [{ hooks: [{ type: 'command', command: claudeCommand('stop'), timeout: 30 }] }],
      },
    });
  });

  it('merges into the user file: their keys, hooks and comments stay, ours go after theirs, a second run changes nothing', () => {
    const mine = '{\n  // team settings\n  "permissions": { "allow": ["Bash(npm test)"] },\n  "hooks": {\n    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "./lint.sh" }] }]\n  }\n}\n';
    const { host, disk, json } = memoryHost({ '.claude/settings.json': mine });
    wireAgentTools(host, [], ['claude']);
    const once = disk.get('.claude/settings.json')!;
    expect(once).toContain('// team settings');
    expect(json('.claude/settings.json').permissions).toEqual({ allow: ['Bash(npm test)'] });
    expect(json('.claude/settings.json').hooks.PreToolUse.map((g: { matcher: string }) => g.matcher)).toEqual(['Bash', 'Edit|Write|MultiEdit|NotebookEdit']);
    const changed: FileChange[] = [];
    wireAgentTools(host, changed, ['claude']);
    expect(changed).toEqual([]);
    expect(disk.get('.claude/settings.json')).toBe(once);
  });

  it('rewrites an older AgentSync entry in place instead of adding a second', () => {
    const old = { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'sh .agentsync/agent-hook.sh stop claude' }] }] } };
    const { host, json } = memoryHost({ '.claude/settings.json': JSON.stringify(old) });
    wireAgentTools(host, [], ['claude']);
    expect(json('.claude/settings.json').hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: claudeCommand('stop'), timeout: 30 }] }]);
  });

  it('wires only the tools asked for, and nothing for none', () => {
    const { host, disk } = memoryHost();
    wireAgentTools(host, [], []);
    expect([...disk.keys()]).toEqual([]);
    wireAgentTools(host, [], ['codex']);
    expect([...disk.keys()]).toEqual([AGENT_HOOK_SCRIPT, '.codex/hooks.json']);
  });
});

describe('the other tools\' files', () => {
  it('Gemini CLI: BeforeTool guards write_file and replace and carries the id into run_shell_command, timeouts in ms', () => {
    const { host, json } = memoryHost();
    wireAgentTools(host, [], ['gemini']);
    const command = (run: string) => `sh "$GEMINI_PROJECT_DIR/.agentsync/agent-hook.sh" ${run} gemini`;
    const hook = (run: string) => ({ name: `agentsync-${run}`, type: 'command', command: command(run), timeout: 30000 });
    expect(json('.gemini/settings.json')).toEqual({
      hooks: {
        BeforeTool: [{ matcher: 'write_file|replace', hooks: [hook('edit')] }, { matcher: 'run_shell_command', hooks: [hook('pre-shell')] }],
        SessionStart: [{ hooks: [hook('start')] }],
        AfterTool: [{ matcher: 'run_shell_command', hooks: [hook('shell')] }],
      },
    });
  });

  it('Copilot CLI and Cursor: their own versioned files, flat hook entries, Cursor\'s guard failing closed', () => {
    const { host, json } = memoryHost();
    wireAgentTools(host, [], ['copilot', 'cursor']);
    expect(json('.github/hooks/agentsync.json')).toMatchObject({
      version: 1,
      hooks: { preToolUse: [{ type: 'command', matcher: 'edit|create|apply_patch', bash: 'sh "${COPILOT_PROJECT_DIR:-$(git rev-parse --show-toplevel)}/.agentsync/agent-hook.sh" edit copilot', timeoutSec: 30 }] },
    });
    expect(json('.cursor/hooks.json').hooks.preToolUse).toEqual([
      { command: 'sh "$(git rev-parse --show-toplevel)/.agentsync/agent-hook.sh" edit cursor', matcher: 'Write|StrReplace|Delete|EditNotebook|ApplyPatch|Edit|MultiEdit', failClosed: true },
    ]);
    expect(Object.keys(json('.cursor/hooks.json').hooks)).toEqual(['preToolUse', 'sessionStart', 'postToolUse']);
  });
});

describe('removeAgentWiring', () => {
  it("takes out exactly what wiring added: the user's hooks and keys stay, files only AgentSync made go", () => {
    const mine = '{\n  // team settings\n  "model": "opus",\n  "hooks": {\n    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "./lint.sh" }] }]\n  }\n}\n';
    const { host, disk } = memoryHost({ '.claude/settings.json': mine });
    wireAgentTools(host, [], AGENT_TOOLS);
    const changed = removeAgentWiring(host);
    expect(disk.get('.claude/settings.json')).toContain('// team settings');
    expect(readJsonSetting(disk.get('.claude/settings.json')!, [], 'settings')).toEqual(readJsonSetting(mine, [], 'mine'));
    expect(JSON.parse(JSON.stringify(changed))).toContainEqual({ path: '.claude/settings.json', action: 'updated' });
    for (const wiring of Object.values(AGENT_WIRING).filter((w) => w.file !== '.claude/settings.json')) {
      expect(disk.has(wiring.file), wiring.file).toBe(false);
    }
    expect(disk.has(AGENT_HOOK_SCRIPT)).toBe(false);
    expect(removeAgentWiring(host)).toEqual([]);
  });
});
