import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../errors';
import type { FileHost } from './file-host';
import { TRACKER_ATTRIBUTES_LINE, writeTrackerAttributes, type InitResult } from './init';
import { INSTRUCTIONS_BEGIN, INSTRUCTIONS_END, RUN_AGENTSYNC, withManagedSection, writeAgentInstructions } from './instructions';

function memoryHost(files: Record<string, string> = {}): FileHost & { files: Record<string, string> } {
  return {
    files,
    read: (path) => files[path],
    write: (path, content) => {
      files[path] = content;
    },
  };
}

const section = (text: string) => text.slice(text.indexOf(INSTRUCTIONS_BEGIN), text.indexOf(INSTRUCTIONS_END) + INSTRUCTIONS_END.length);

describe('writeAgentInstructions', () => {
  it('creates every instruction file with the protocol, CLAUDE.md importing AGENTS.md', () => {
    const host = memoryHost();
    const changed = writeAgentInstructions(host);
    expect(changed).toEqual([
      { path: 'AGENTS.md', action: 'created' },
      { path: 'CLAUDE.md', action: 'created' },
      { path: '.github/copilot-instructions.md', action: 'created' },
      { path: 'GEMINI.md', action: 'created' },
    ]);
    for (const file of ['AGENTS.md', '.github/copilot-instructions.md', 'GEMINI.md']) {
      expect(host.files[file]).toMatch(/^<!-- agentsync:begin instructions -->\n\n## AgentSync/);
      expect(host.files[file]).toContain('npx --no-install agentsync start --goal');
      expect(host.files[file]).toContain('npx --no-install agentsync end --summary');
      expect(host.files[file]).toContain('1 Simple (500–2000 tokens, claude-haiku)');
      expect(host.files[file]).not.toContain('agentsync-health');
      expect(host.files[file].endsWith(`${INSTRUCTIONS_END}\n`)).toBe(true);
    }
    expect(host.files['CLAUDE.md']).toBe(
      `${INSTRUCTIONS_BEGIN}\n\n@AGENTS.md\n\nClaude Code: AGENTS.md, imported above, is the AgentSync protocol for this repository; follow it for every task.\n\n${INSTRUCTIONS_END}\n`,
    );
  });

  it('is idempotent', () => {
    const host = memoryHost();
    writeAgentInstructions(host);
    const before = { ...host.files };
    expect(writeAgentInstructions(host)).toEqual([]);
    expect(host.files).toEqual(before);
  });

  it('mentions the Nx target in an Nx workspace and lists the agents of the config', () => {
    const config = {
      agents: [
        { name: 'reviewer', role: 'Reviews changes', tier: 2, model: 'claude-sonnet', maxRisk: 'medium', instructions: 'Comment only.\nNever push.' },
        { name: 'docs' },
      ],
      tiers: { '1': { model: 'small-model' } },
    };
    const host = memoryHost({ 'nx.json': '{}', '.agentsync.json': JSON.stringify(config) });
    writeAgentInstructions(host);
    expect(host.files['AGENTS.md']).toContain('`npx nx affected -t agentsync-health`');
    expect(host.files['AGENTS.md']).toContain('1 Simple (500–2000 tokens, small-model)');
    expect(host.files['AGENTS.md']).toContain(
      '### Agents\n\n- `reviewer` — Reviews changes (tier 2, model claude-sonnet, max risk medium): Comment only. Never push.\n- `docs`\n\n<!-- agentsync:end',
    );
    // Only AGENTS.md carries the catalog.
    expect(host.files['GEMINI.md']).not.toContain('### Agents');
  });

  it('keeps the rest of an existing file byte for byte and replaces only its section', () => {
    const claude = '# My rules\r\n\r\nUse tabs.  \r\n';
    const agents = `intro\n${INSTRUCTIONS_BEGIN}\nstale text\n${INSTRUCTIONS_END}\noutro 🚀`;
    const host = memoryHost({ 'CLAUDE.md': claude, 'AGENTS.md': agents });
    writeAgentInstructions(host);
    expect(host.files['CLAUDE.md'].startsWith(`${claude}\r\n${INSTRUCTIONS_BEGIN}\r\n\r\n@AGENTS.md\r\n`)).toBe(true);
    expect(host.files['CLAUDE.md'].endsWith(`${INSTRUCTIONS_END}\r\n`)).toBe(true);
    expect(host.files['AGENTS.md'].startsWith(`intro\n${INSTRUCTIONS_BEGIN}\n\n## AgentSync`)).toBe(true);
    expect(host.files['AGENTS.md'].endsWith(`${INSTRUCTIONS_END}\noutro 🚀`)).toBe(true);
    expect(host.files['AGENTS.md']).not.toContain('stale text');
  });

  it('refuses an invalid config with every problem listed', () => {
    const host = memoryHost({ '.agentsync.json': '{"agents": [{"name": "-bad"}]}' });
    expect(() => writeAgentInstructions(host)).toThrow(ConfigError);
    expect(host.files['AGENTS.md']).toBeUndefined();
  });
});

describe('withManagedSection', () => {
  it('appends after one blank line, whatever the file ended with', () => {
    expect(section(withManagedSection('a', 'body', 'X.md'))).toBe(`${INSTRUCTIONS_BEGIN}\n\nbody\n\n${INSTRUCTIONS_END}`);
    for (const text of ['a', 'a\n', 'a\n\n\n']) {
      expect(withManagedSection(text, 'body', 'X.md')).toBe(`a\n\n${INSTRUCTIONS_BEGIN}\n\nbody\n\n${INSTRUCTIONS_END}\n`);
    }
  });

  it('names the file and line of a marker without its pair', () => {
    const text = `one\ntwo\n${INSTRUCTIONS_BEGIN}\nthree`;
    expect(() => withManagedSection(text, 'body', 'AGENTS.md')).toThrow(UsageError);
    expect(() => withManagedSection(text, 'body', 'AGENTS.md')).toThrow(/AGENTS.md has the AgentSync begin marker without its end marker/);
    expect(() => withManagedSection(`x\n${INSTRUCTIONS_END}\n`, 'body', 'GEMINI.md')).toThrow(
      expect.objectContaining({ where: 'GEMINI.md:2', message: expect.stringMatching(/end marker without its begin/) }),
    );
  });
});

describe('writeTrackerAttributes', () => {
  const run = (files: Record<string, string>) => {
    const host = memoryHost(files);
    const result: InitResult = { changed: [], notes: [] };
    writeTrackerAttributes(host, result);
    return { text: host.files['.gitattributes'], changed: result.changed };
  };

  it('creates the file or appends the line once, keeping the rest', () => {
    expect(run({})).toEqual({ text: `${TRACKER_ATTRIBUTES_LINE}\n`, changed: [{ path: '.gitattributes', action: 'created' }] });
    expect(run({ '.gitattributes': '* text=auto' }).text).toBe(`* text=auto\n${TRACKER_ATTRIBUTES_LINE}\n`);
    expect(run({ '.gitattributes': '*.png binary\r\n' }).text).toBe(`*.png binary\r\n${TRACKER_ATTRIBUTES_LINE}\r\n`);
    const present = `x\n  ${TRACKER_ATTRIBUTES_LINE}\ny`;
    expect(run({ '.gitattributes': present })).toEqual({ text: present, changed: [] });
  });
});

describe('how AgentSync tells anyone to run it', () => {
  /** `npx agentsync` without --no-install: in a worktree with no install, npx fetches whatever the registry has under that name. */
  const UNSCOPED_NPX = /\bnpx\s+(?:(?:-y|--yes)\s+)?agentsync\b/;
  const root = join(__dirname, '../../../..');

  function* textFiles(dir: string): Generator<string> {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && !['node_modules', 'dist'].includes(entry.name)) yield* textFiles(path);
      else if (entry.isFile() && /\.(ts|mts|mjs|cjs|js|md|json|ya?ml)$/.test(entry.name)) yield path;
    }
  }

  it('never calls an unscoped `npx agentsync`: not in code, generated files, docs or the README', () => {
    const files = [...['packages', 'docs', 'tools', '.github'].flatMap((dir) => [...textFiles(dir)]), 'README.md', 'AGENTS.md', 'CLAUDE.md', 'GEMINI.md'];
    const offenders = files.filter((file) => !file.endsWith('/instructions.spec.ts') && UNSCOPED_NPX.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
    const host = memoryHost();
    writeAgentInstructions(host);
    expect(host.files['AGENTS.md']).toContain(`${RUN_AGENTSYNC} start --goal`);
    expect(Object.values(host.files).filter((text) => UNSCOPED_NPX.test(text))).toEqual([]);
  });
});
