/**
 * The real Claude Code and Codex (pinned, installed into a cache outside the
 * workspace on first use) driven by scripted model servers on 127.0.0.1, in a
 * repository `agentsync init` wired: their hooks run the built CLI through
 * .agentsync/agent-hook.sh. Skipped, saying why, where a binary cannot be
 * installed (no registry).
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storedState } from './e2e';
import { CLI, makeRepo, makeTemp, type TestRepo } from './fixture';
import { realTool, TOOL_VERSIONS } from './real-tool';
// @ts-expect-error plain JavaScript helpers shared with tools/ (no types)
import { runClaude, runCodex, runCopilot, runGemini } from '../../../tools/e2e/agent-tools.mjs';
// @ts-expect-error plain JavaScript helpers shared with tools/ (no types)
import { startGeminiServer } from '../../../tools/e2e/gemini-server.mjs';
// @ts-expect-error plain JavaScript helpers shared with tools/ (no types)
import { startResponsesServer } from '../../../tools/e2e/responses-server.mjs';
// @ts-expect-error plain JavaScript helpers shared with tools/ (no types)
import { startMessagesServer } from '../../../tools/e2e/messages-server.mjs';

type Step = { tool: string; input: Record<string, unknown> } | { text: string };

/** Runs one Claude Code session through `steps` in `cwd`; resolves with its result and what the model was sent. */
async function session(cwd: string, home: string, steps: Step[]) {
  const server = await startMessagesServer(steps);
  try {
    const result = await runClaude(claude.bin, { cwd, baseUrl: server.url, home });
    expect(result.code, result.stderr).toBe(0);
    return { result, toolResults: server.toolResults() as Array<{ error: boolean; text: string }>, transcript: server.transcript() as string, sessionId: result.json?.session_id as string };
  } finally {
    await server.close();
  }
}

/** A repository `agentsync init --agents TOOL` wired and committed, its git hooks live (init set core.hooksPath), the built CLI in its node_modules, alice holding src/held.ts. */
async function wiredRepo(tool: string): Promise<TestRepo> {
  const repo = await makeRepo({ config: null });
  const init = await repo.run(['init', '--agents', tool]);
  expect(init.code, init.stderr).toBe(0);
  expect((await repo.git(['config', 'core.hooksPath'])).trim()).toBe('.agentsync/hooks');
  mkdirSync(join(repo.dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(CLI, join(repo.dir, 'node_modules/.bin/agentsync'));
  repo.write('.gitignore', 'node_modules\n');
  repo.write('src/held.ts', 'old\n');
  await repo.git(['add', '-A']);
  await repo.git(['commit', '-q', '-m', 'agentsync init']);
  const claimed = await repo.run(['claim', 'src/held.ts', '--agent', 'alice']);
  expect(claimed.code, claimed.stderr).toBe(0);
  return repo;
}

let claude: { bin: string; skip?: string } = { bin: '' };

const instanceOf = (sessionId: string) => `claude-${sessionId.replace(/-/g, '').slice(0, 8)}`;

describe(`Claude Code ${TOOL_VERSIONS.claude}, wired by agentsync init`, () => {
  let repo: TestRepo;
  let home: string;
  claude = realTool('claude', async () => {
    repo = await wiredRepo('claude');
    home = makeTemp('claude-home');
  });

  it('refuses a Write to a file another agent holds: the file is unchanged, the tool_result names the holder', async () => {
    const target = join(repo.dir, 'src/held.ts');
    const { toolResults } = await session(repo.dir, home, [{ tool: 'Write', input: { file_path: target, content: 'overwritten\n' } }, { text: 'done' }]);
    expect(readFileSync(target, 'utf8')).toBe('old\n');
    expect(toolResults).toHaveLength(1);
    expect(toolResults[0].error).toBe(true);
    expect(toolResults[0].text).toContain('src/held.ts is claimed by alice');
  });

  it('writes an unclaimed file, claims it for the instance, commits it through its Bash tool; warns of and blocks shell writes to held files', async () => {
    const { toolResults, transcript, sessionId } = await session(repo.dir, home, [
      { tool: 'Write', input: { file_path: join(repo.dir, 'src/new.ts'), content: 'export const fresh = 2;\n' } },
      { tool: 'Bash', input: { command: 'git add src/new.ts && git commit -q -m "Add src/new.ts" && git log -1 --format=%s', description: 'commit' } },
      { tool: 'Bash', input: { command: 'echo "// by shell" >> src/held.ts', description: 'shell write' } },
      { tool: 'Bash', input: { command: 'git commit -q -am "Touch held"', description: 'commit the shell write' } },
      { text: 'done' },
    ]);
    await repo.git(['checkout', '--', 'src/held.ts']);
    const agent = instanceOf(sessionId);
    expect(toolResults[0].error).toBe(false);
    // Its own claim does not block its own commit: the shell's git hooks see the same instance.
    expect(toolResults[1]).toMatchObject({ error: false, text: expect.stringContaining('Add src/new.ts') });
    expect(await repo.git(['log', '-1', '--format=%s'])).toBe('Add src/new.ts\n');
    const { claims } = await storedState(repo.dir);
    expect(claims).toContainEqual(expect.objectContaining({ holder: agent, glob: 'src/new.ts', mode: 'exclusive' }));
    // SessionStart told the model who it is and who holds what.
    expect(transcript).toContain(`You are agent ${agent}`);
    expect(transcript).toContain('src/held.ts by alice');
    // The shell's write passed no edit hook: PostToolUse says so at once, pre-commit blocks it.
    expect(transcript).toContain('your shell changed files that other agents hold');
    expect(toolResults[3]).toMatchObject({ error: true, text: expect.stringContaining('src/held.ts is claimed by alice') });
    expect(await repo.git(['log', '-1', '--format=%s'])).toBe('Add src/new.ts\n');
    // It stopped holding a claim: reminded once, and the reminder did not loop.
    expect(transcript).toContain(`AgentSync reminder for ${agent}: You still hold 1 claim(s): src/new.ts`);
    expect(transcript.split('Stop hook feedback')).toHaveLength(2);
  });

  it('gives a file to the first of two concurrent sessions and refuses it to the other, in another worktree', async () => {
    // A fresh worktree has no node_modules: its hook script must find the main worktree's CLI.
    const worktree = join(makeTemp('worktree'), 'wt');
    await repo.git(['worktree', 'add', '-q', '-b', 'claude/second', worktree]);
    mkdirSync(join(worktree, 'src'), { recursive: true });
    const write = (dir: string, content: string): Step[] => [{ tool: 'Write', input: { file_path: join(dir, 'src/race.ts'), content } }, { text: 'done' }];
    const [first, second] = await Promise.all([session(repo.dir, home, write(repo.dir, 'first\n')), session(worktree, home, write(worktree, 'second\n'))]);
    const outcomes = [first, second].map((s) => s.toolResults[0]);
    expect(outcomes.filter((r) => r.error)).toHaveLength(1);
    const [winner, loser] = outcomes[0].error ? [second, first] : [first, second];
    expect(loser.toolResults[0].text).toContain(`src/race.ts is claimed by ${instanceOf(winner.sessionId)}`);
    const { claims } = await storedState(repo.dir);
    expect(claims.filter((c: { glob: string }) => c.glob === 'src/race.ts')).toEqual([expect.objectContaining({ holder: instanceOf(winner.sessionId) })]);
  });
});

describe(`Codex ${TOOL_VERSIONS.codex}, wired by agentsync init`, () => {
  let repo: TestRepo;
  const codex = realTool('codex', async () => {
    repo = await wiredRepo('codex');
  });

  /** One `codex exec` through `steps`; its MCP tools run unasked (exec has nobody to ask). */
  async function turn(steps: object[]) {
    const server = await startResponsesServer(steps);
    try {
      const config = ['mcp_servers.agentsync.default_tools_approval_mode="approve"'];
      const result = await runCodex(codex.bin, { cwd: repo.dir, baseUrl: server.url, home: makeTemp('codex-home'), config });
      expect(result.code, result.stderr).toBe(0);
      return { outputs: server.toolOutputs() as string[], sent: JSON.stringify(server.requests) };
    } finally {
      await server.close();
    }
  }

  const patch = (text: string) => turn([{ custom: 'apply_patch', input: text }, { text: 'done' }]);

  it('refuses a patch that touches a file another agent holds, as a whole, naming the holder', async () => {
    const { outputs } = await patch('*** Begin Patch\n*** Update File: src/held.ts\n@@\n-old\n+new\n*** Add File: src/added.ts\n+hello\n*** End Patch\n');
    expect(readFileSync(join(repo.dir, 'src/held.ts'), 'utf8')).toBe('old\n');
    expect(existsSync(join(repo.dir, 'src/added.ts'))).toBe(false);
    expect(outputs.join('\n')).toContain('src/held.ts is claimed by alice');
  });

  it('applies a patch of free files, claims them for the instance, and reminds it at the stop', async () => {
    const { sent } = await patch('*** Begin Patch\n*** Add File: src/free.ts\n+hello\n*** End Patch\n');
    expect(readFileSync(join(repo.dir, 'src/free.ts'), 'utf8')).toBe('hello\n');
    const { claims } = await storedState(repo.dir);
    const holder = claims.find((c: { glob: string }) => c.glob === 'src/free.ts')?.holder;
    expect(holder).toMatch(/^codex-[0-9a-f]{8}$/);
    // Its Stop hook asked it, once, to release what it holds; the session start told it who it is.
    expect(sent.split(`AgentSync reminder for ${holder}`).length - 1).toBeGreaterThan(0);
    expect(sent).toContain(`You are agent ${holder}`);
  });

  it('claims through its MCP server as the same instance its hooks see: its own patch goes through, another instance is refused', async () => {
    // Codex defers MCP tools behind tool_search, and gives its MCP server no thread id: the server finds the one the hooks recorded.
    const { outputs } = await turn([
      { search: 'agentsync claim' },
      { function: 'claim', namespace: 'mcp__agentsync', arguments: { paths: ['src/mcp.ts'] } },
      { custom: 'apply_patch', input: '*** Begin Patch\n*** Add File: src/mcp.ts\n+first\n*** End Patch\n' },
      { text: 'done' },
    ]);
    const holder = /"holder":"(codex-[0-9a-f]{8})","glob":"src\/mcp.ts"/.exec(outputs.join('\n'))?.[1];
    expect(holder, outputs.join('\n')).toBeDefined();
    expect(readFileSync(join(repo.dir, 'src/mcp.ts'), 'utf8')).toBe('first\n');
    const { claims } = await storedState(repo.dir);
    expect(claims.filter((c: { glob: string }) => c.glob === 'src/mcp.ts')).toEqual([expect.objectContaining({ holder })]);
    const second = await patch('*** Begin Patch\n*** Update File: src/mcp.ts\n@@\n-first\n+second\n*** End Patch\n');
    expect(second.outputs.join('\n')).toContain(`src/mcp.ts is claimed by ${holder}`);
    expect(readFileSync(join(repo.dir, 'src/mcp.ts'), 'utf8')).toBe('first\n');
  });
});

describe(`Copilot CLI ${TOOL_VERSIONS.copilot}, wired by agentsync init`, () => {
  let repo: TestRepo;
  const copilot = realTool('copilot', async () => {
    repo = await wiredRepo('copilot');
  });

  it('refuses an edit of a file another agent holds, naming the holder, and claims a created free file', async () => {
    const server = await startResponsesServer([
      { function: 'edit', arguments: { path: join(repo.dir, 'src/held.ts'), old_str: 'old', new_str: 'new' } },
      { function: 'create', arguments: { path: join(repo.dir, 'src/created.ts'), file_text: 'hello\n' } },
      { text: 'done' },
    ]);
    try {
      const result = await runCopilot(copilot.bin, { cwd: repo.dir, baseUrl: server.url, copilotHome: makeTemp('copilot-home') });
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(join(repo.dir, 'src/held.ts'), 'utf8')).toBe('old\n');
      expect(server.toolOutputs()[0]).toContain('src/held.ts is claimed by alice');
      expect(readFileSync(join(repo.dir, 'src/created.ts'), 'utf8')).toBe('hello\n');
      const { claims } = await storedState(repo.dir);
      expect(claims).toContainEqual(expect.objectContaining({ holder: expect.stringMatching(/^copilot-[0-9a-f]{8}$/), glob: 'src/created.ts' }));
    } finally {
      await server.close();
    }
  });
});

describe(`Gemini CLI ${TOOL_VERSIONS.gemini}, wired by agentsync init`, () => {
  let repo: TestRepo;
  const gemini = realTool('gemini', async () => {
    repo = await wiredRepo('gemini');
  });

  it('refuses a held file, claims a free one, and commits it through its shell as the same instance', async () => {
    const server = await startGeminiServer([
      { call: 'write_file', args: { file_path: join(repo.dir, 'src/held.ts'), content: 'new\n' } },
      // A relative path, as Gemini's models write them for replace.
      { call: 'write_file', args: { file_path: 'src/free.ts', content: 'hello\n' } },
      { call: 'run_shell_command', args: { command: 'git add src/free.ts && git commit -q -m "Add src/free.ts" && git log -1 --format=%s', description: 'commit' } },
      { text: 'done' },
    ]);
    try {
      const result = await runGemini(gemini.bin, { cwd: repo.dir, baseUrl: server.url, home: makeTemp('gemini-home') });
      expect(result.code, result.stderr).toBe(0);
      const responses = server.functionResponses() as string[];
      expect(readFileSync(join(repo.dir, 'src/held.ts'), 'utf8')).toBe('old\n');
      expect(responses[0]).toContain('src/held.ts is claimed by alice');
      expect(readFileSync(join(repo.dir, 'src/free.ts'), 'utf8')).toBe('hello\n');
      const { claims } = await storedState(repo.dir);
      const holder = claims.find((c: { glob: string }) => c.glob === 'src/free.ts')?.holder;
      expect(holder).toMatch(/^gemini-[0-9a-f]{8}$/);
      // Its shell had no session id of its own: the BeforeTool hook gave it one, so its own claim did not block it.
      expect(await repo.git(['log', '-1', '--format=%s'])).toBe('Add src/free.ts\n');
    } finally {
      await server.close();
    }
  });

  it('claims through its MCP server as the same instance its hooks see: its own edit goes through, another instance is refused', async () => {
    const target = join(repo.dir, 'src/mcp.ts');
    const run = async (steps: object[]) => {
      const server = await startGeminiServer(steps);
      try {
        const result = await runGemini(gemini.bin, { cwd: repo.dir, baseUrl: server.url, home: makeTemp('gemini-home') });
        expect(result.code, result.stderr).toBe(0);
        return server.functionResponses() as string[];
      } finally {
        await server.close();
      }
    };
    // Gemini CLI gives its MCP server no session id: the server finds the one the hooks recorded for its Gemini process.
    const [claimed, written] = await run([
      { call: 'mcp_agentsync_claim', args: { paths: ['src/mcp.ts'] } },
      { call: 'write_file', args: { file_path: target, content: 'first\n' } },
      { text: 'done' },
    ]);
    const holder = /(gemini-[0-9a-f]{8}) claims src\/mcp.ts/.exec(claimed)?.[1];
    expect(holder, claimed).toBeDefined();
    expect(written).toContain('Successfully');
    expect(readFileSync(target, 'utf8')).toBe('first\n');
    const { claims } = await storedState(repo.dir);
    expect(claims.filter((c: { glob: string }) => c.glob === 'src/mcp.ts')).toEqual([expect.objectContaining({ holder })]);
    // A second Gemini session is another agent: the claim refuses its edit, by the holder's instance id.
    const [refused] = await run([{ call: 'write_file', args: { file_path: target, content: 'second\n' } }, { text: 'done' }]);
    expect(refused).toContain(`src/mcp.ts is claimed by ${holder}`);
    expect(readFileSync(target, 'utf8')).toBe('first\n');
  });
});
