#!/usr/bin/env node
/**
 * `agentsync mcp` (issue "agentsync mcp"): what its tool definitions cost an
 * agent's context, and what starting the server costs.
 *
 * - Tool schemas: the `tools/list` result as the server sends it (names,
 *   descriptions, input schemas, annotations), in tokens counted as characters
 *   ÷ 4. Every tool definition sits in the agent's context for the whole
 *   session. Goal: all eight together at most 2,000 tokens.
 * - Start: `agentsync mcp` answering `initialize` and `tools/list` on stdin,
 *   then exiting when stdin ends, beside `node -e 0`. No goal: a tool starts
 *   its server once per session.
 * - The hook path: `agentsync hook pre-commit` on a staged file, every require
 *   recorded (tools/bench/trace.cjs); goal: no module of the MCP SDK among
 *   them (only `agentsync mcp` loads it).
 *
 *   node tools/bench/mcp.mjs [--quick]
 */
import { CLI, NODE, TRACE, benchEnv, isMain, makeRepo, parseFlags, printResult, progress, run, sampleInterleaved, tracedRun, writeFiles } from './lib.mjs';

const TOKEN_GOAL = 2000;
const tokens = (text) => Math.ceil(text.length / 4);

/** The JSON-RPC lines a client sends to list the tools, as stdin for one run of the server. */
const LIST_TOOLS = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } },
  { jsonrpc: '2.0', method: 'notifications/initialized' },
  { jsonrpc: '2.0', id: 2, method: 'tools/list' },
]
  .map((message) => `${JSON.stringify(message)}\n`)
  .join('');

export async function runMcpBench({ quick = false } = {}) {
  const runs = quick ? 7 : 21;
  progress(`mcp: ${runs} interleaved rounds`);
  const repo = makeRepo('mcp');
  const env = benchEnv({ AGENTSYNC_AGENT: 'bench' });
  const server = { cmd: NODE, args: [CLI, 'mcp'], cwd: repo.dir, env, input: LIST_TOOLS };

  const replies = run(server.cmd, server.args, server).stdout.trim().split('\n').map((line) => JSON.parse(line));
  const tools = replies.find((reply) => reply.id === 2).result.tools;
  const perTool = tools.map((tool) => [tool.name, tokens(JSON.stringify(tool))]);
  const total = tokens(JSON.stringify(tools));

  const stats = sampleInterleaved(
    [
      { name: 'node', cmd: NODE, args: ['-e', '0'], cwd: repo.dir, env },
      { name: 'mcp', ...server },
    ],
    { runs },
  );

  writeFiles(repo.dir, { 'src/app.ts': 'export {};\n' });
  repo.git(['add', 'src/app.ts']);
  const hook = tracedRun(NODE, ['-r', TRACE, CLI, 'hook', 'pre-commit'], { cwd: repo.dir, env, depth: 100 });
  const required = new Set(hook.events.filter((e) => e.kind === 'require').map((e) => e.what));
  const isSdk = (what) => what.includes('@modelcontextprotocol');
  const sdkRequired = [...required].filter(isSdk);
  // The control: the same trace does see the SDK where it is loaded.
  const served = tracedRun(NODE, ['-r', TRACE, CLI, 'mcp'], { cwd: repo.dir, env, depth: 100, input: LIST_TOOLS });
  const servedSdk = new Set(served.events.filter((e) => e.kind === 'require' && isSdk(e.what)).map((e) => e.what)).size;

  return {
    id: 'mcp',
    title: 'agentsync mcp: tool schemas and server start (issue "agentsync mcp")',
    variants: [
      ['node -e 0', stats.get('node')],
      ['agentsync mcp: start, initialize, tools/list, exit at end of stdin', stats.get('mcp')],
    ],
    goals: [
      {
        label: `tool schemas (${tools.length} tools, tokens = chars ÷ 4)`,
        subjectMs: NaN,
        baseline: '—',
        baselineMs: NaN,
        goal: `${total} tokens ≤ ${TOKEN_GOAL}`,
        pass: total <= TOKEN_GOAL,
      },
      { label: 'mcp server start', subjectMs: stats.get('mcp').median, baseline: 'node -e 0', baselineMs: stats.get('node').median, goal: '— (once per agent session)' },
      {
        label: 'pre-commit hook: MCP SDK modules required',
        subjectMs: NaN,
        baseline: '—',
        baselineMs: NaN,
        goal: `${sdkRequired.length} of the ${required.size} modules it requires; goal 0`,
        pass: sdkRequired.length === 0,
      },
    ],
    notes: [
      `tokens per tool: ${perTool.map(([name, n]) => `\`${name}\` ${n}`).join(', ')}; all together ${total} (${JSON.stringify(tools).length} characters of \`tools/list\` JSON, as the server sends it)`,
      `the trace that finds no SDK module in the pre-commit hook finds ${servedSdk} in \`agentsync mcp\``,
      'the start is measured with `node bin/agentsync.js mcp` directly; the tools start it through `npx --no agentsync mcp` (what `.mcp.json` says), which adds npx\'s own start',
    ],
  };
}

if (isMain(import.meta.url)) printResult(await runMcpBench(parseFlags()));
