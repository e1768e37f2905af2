import { describe, expect, it } from 'vitest';
import { writeAgentCommands } from './agent-commands';
import { memoryHost } from './file-host.fixtures';
import { writeAgentInstructions } from './instructions';
import { IDENTITY_SENTENCE, NO_BYPASS_SENTENCE, REFUSAL_SENTENCE } from './protocol-text';

describe('the protocol text', () => {
  it('the instruction files, the skill and the start-session commands say identity and refusal in the same words', () => {
    const { host, disk } = memoryHost();
    writeAgentInstructions(host);
    writeAgentCommands(host);
    const statements = ['AGENTS.md', 'GEMINI.md', '.agents/skills/agentsync/SKILL.md', '.claude/commands/agentsync-start-session.md', '.gemini/commands/agentsync/start-session.toml'];
    for (const file of statements) {
      const text = disk.get(file)!;
      expect(text, file).toContain(IDENTITY_SENTENCE);
      expect(text, file).toContain(REFUSAL_SENTENCE);
    }
    for (const file of ['AGENTS.md', '.agents/skills/agentsync/SKILL.md']) expect(disk.get(file), file).toContain(NO_BYPASS_SENTENCE);
  });
});
