import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { memoryHost } from './file-host.fixtures';
import { removeAgentCommands, sessionPrompt, SESSION_COMMANDS, writeAgentCommands } from './agent-commands';

const frontmatter = (text: string) => parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(text)![1]);

describe('writeAgentCommands', () => {
  it('writes the skill as the Agent Skills spec asks: name matching its folder, a description of what and when', () => {
    const { host, disk } = memoryHost();
    writeAgentCommands(host);
    for (const path of ['.agents/skills/agentsync/SKILL.md', '.claude/skills/agentsync/SKILL.md']) {
      const meta = frontmatter(disk.get(path)!);
      expect(Object.keys(meta)).toEqual(['name', 'description']);
      expect(meta.name).toBe(path.split('/').at(-2));
      expect(meta.name).toMatch(/^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/);
      expect(meta.description.length).toBeLessThanOrEqual(1024);
      expect(meta.description).toMatch(/Use when/);
      expect(disk.get(path)).toContain('## What a refusal means');
    }
  });

  it('writes each session command in every tool\'s own format, from the one source', () => {
    const { host, disk } = memoryHost();
    writeAgentCommands(host);
    for (const command of SESSION_COMMANDS) {
      const claude = disk.get(`.claude/commands/agentsync-${command.name}.md`)!;
      expect(frontmatter(claude)).toEqual({ description: command.description, 'argument-hint': `<${command.argument.description}>` });
      expect(claude).toContain(command.body.replace('{{input}}', '$ARGUMENTS'));

      const gemini = parseToml(disk.get(`.gemini/commands/agentsync/${command.name}.toml`)!);
      expect(gemini).toEqual({ description: command.description, prompt: `${command.body.replace('{{input}}', '{{args}}')}\n` });

      const copilot = disk.get(`.github/prompts/agentsync-${command.name}.prompt.md`)!;
      expect(frontmatter(copilot)).toMatchObject({ description: command.description, agent: 'agent' });
      expect(copilot).toContain(`\${input:${command.argument.name}:${command.argument.description}}`);
    }
    expect(sessionPrompt('start-session', 'add rate limits')).toContain('Start an AgentSync session for this task: add rate limits\n');
  });

  it('keeps a user\'s own file of the same name, and changes nothing on a second run', () => {
    const { host, disk } = memoryHost({ '.claude/commands/agentsync-end-session.md': 'my own\n' });
    const first = writeAgentCommands(host);
    expect(first.skipped).toEqual(['.claude/commands/agentsync-end-session.md']);
    expect(disk.get('.claude/commands/agentsync-end-session.md')).toBe('my own\n');
    const before = new Map(disk);
    expect(writeAgentCommands(host).changed).toEqual([]);
    expect(disk).toEqual(before);
  });

  it('rewrites a generated file that is out of date', () => {
    const { host, disk } = memoryHost();
    writeAgentCommands(host);
    const path = '.gemini/commands/agentsync/start-session.toml';
    disk.set(path, disk.get(path)!.replace('Assess', 'Look'));
    expect(writeAgentCommands(host).changed).toEqual([{ path, action: 'updated' }]);
  });

  it('removes only the files it generated', () => {
    const { host, disk } = memoryHost({ '.claude/commands/agentsync-end-session.md': 'my own\n' });
    writeAgentCommands(host);
    expect(removeAgentCommands(host)).toHaveLength(7);
    expect([...disk.keys()]).toEqual(['.claude/commands/agentsync-end-session.md']);
  });
});
