/**
 * `agentsync mcp`: the CLI's operations as an MCP server on stdio, on the
 * official TypeScript SDK. Each tool call opens the repository and resolves the
 * agent the way the CLI does (core's identity, from this process's environment,
 * which the agent tool set when it started the server, or, where that names no
 * session, from the session the tool's hooks recorded for it), so a claim made
 * here and an edit checked by the tool's hooks are the same agent.
 *
 * Results carry structured content and one short line of text; a refusal by
 * policy (a claim another agent holds, a red baseline, a regression) is an
 * error result (`isError`) that names who and what; bad arguments are an error
 * result too, and the server keeps serving.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  addNote,
  budgetText,
  cacheDir,
  check,
  checkHealth,
  claim,
  detectAgentTool,
  endSession,
  envNamesAgent,
  findAgent,
  openContext,
  readNextWork,
  release,
  repoPath,
  requireAgent,
  startSession,
  status,
  type Context,
} from '@agentsync/core/app';
import { recordedInstance } from '@agentsync/core/agent-tools';
import { activeSession, pruneExpired, TRACKER_FILE } from '@agentsync/core/domain';
import { UsageError } from '@agentsync/core/errors';
import { type CheckResult, type HealthCheck, type HealthResult } from '@agentsync/core/health';
import { IDENTITY_SENTENCE, REFUSAL_SENTENCE, sessionPrompt, SESSION_COMMANDS } from '@agentsync/core/setup';
import { readState } from '@agentsync/core/store';
import { errorPayload } from '../report-error';
import { checkResult, endResult, healthResult, startResult } from '../results';

export interface ServerOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `agentsync mcp --agent ID`: every call acts as this agent. */
  agentFlag?: string;
  version: string;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What a tool hands back: the line a person reads and the data an agent uses. */
interface Reply {
  text: string;
  data: Record<string, unknown>;
}

const INSTRUCTIONS = `AgentSync coordinates the agents and people sharing this git repository. Start with start_session, claim paths before editing them, write partial work with note, finish with end_session. ${REFUSAL_SENTENCE} ${IDENTITY_SENTENCE}`;

const paths = z.array(z.string().min(1)).min(1);
const texts = z.array(z.string());

/** A refusal or bad input as an error result: what, where, how to fix, with the same payload as the CLI's `--json`. */
function errorResult(error: unknown, env: NodeJS.ProcessEnv): CallToolResult {
  const payload = errorPayload(error);
  const internal = payload.type === 'InternalError';
  if (internal && env.AGENTSYNC_DEBUG === '1') process.stderr.write(`${error instanceof Error ? error.stack : payload.message}\n`);
  const text = internal ? `internal error: ${payload.message}` : payload.hint ? `${payload.message}\nHow to fix: ${payload.hint}` : payload.message;
  return { isError: true, content: [{ type: 'text', text }], structuredContent: { ok: false, error: payload } };
}

/**
 * Progress notifications for a health run, when the client asked for them with a progress token:
 * two steps a check (started, finished), so progress rises with every notification as the spec
 * asks. `sent` resolves once all are written, so none follows the result. (The SDK's own client
 * handles a notification a microtask after reading it: one read in the same chunk as the result,
 * as a cached check's is, reaches it too late; a check that really runs reports as it goes.)
 */
function healthProgress(extra: Extra) {
  const token = extra._meta?.progressToken;
  const pending: Array<Promise<void>> = [];
  let total = 0;
  let finished = 0;
  const send = (progress: number, message: string) => {
    if (token === undefined) return;
    const params = { progressToken: token, progress, total, message };
    pending.push(extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined));
  };
  return {
    onPlan: (checks: readonly HealthCheck[]) => (total = 2 * checks.length),
    onStart: (check: HealthCheck) => send(2 * finished + 1, `running ${check.name}`),
    onResult: (result: CheckResult) => send(2 * ++finished, `${result.status} ${result.name}${result.cached ? ' (cached)' : ''}`),
    sent: () => Promise.all(pending).then(() => undefined),
  };
}

/** A health run as an agent needs it: a passing check's output is no use to it, only costs tokens. */
const withFailingOutput = <T extends HealthResult>(health: T): T => ({
  ...health,
  checks: health.checks.map(({ outputTail, ...check }) => (check.status === 'pass' ? check : { ...check, outputTail })),
});

/**
 * The session this server acts for, where its environment names none (Gemini CLI and Codex
 * give their servers no session id): the one their hooks recorded for the tool process above
 * this server, asked at every call (the session may start after the server, or change on a
 * `/clear`). Without a record, or under another tool than the record's, the context is as it was.
 */
async function withRecordedInstance(ctx: Context): Promise<Context> {
  if (envNamesAgent(ctx.env, ctx.agentFlag)) return ctx;
  const instance = await recordedInstance({ cacheDir: cacheDir(ctx.repo) });
  const detected = detectAgentTool(ctx.env);
  return instance && (!detected || detected === instance.tool) ? { ...ctx, instance } : ctx;
}

/** Builds the server; nothing is read until a client calls. */
function createServer(options: ServerOptions): McpServer {
  const server = new McpServer({ name: 'agentsync', version: options.version }, { instructions: INSTRUCTIONS });
  const context = async () => withRecordedInstance(await openContext({ cwd: options.cwd, env: options.env, agentFlag: options.agentFlag }));

  /** Runs a tool's body: its Reply, or what it threw, becomes the result. */
  const respond = async (run: (ctx: Context) => Promise<Reply>): Promise<CallToolResult> => {
    try {
      const { text, data } = await run(await context());
      return { content: [{ type: 'text', text }], structuredContent: data };
    } catch (error) {
      return errorResult(error, options.env);
    }
  };
  const readOnly = { readOnlyHint: true };

  server.registerTool('status', { description: 'Live sessions, claims (holder, glob, expiry) and suggested next work.', annotations: readOnly }, () =>
    respond(async (ctx) => {
      const [state, nextWork] = await Promise.all([status(ctx), readNextWork(ctx)]);
      return {
        text: `${state.sessions.length} session(s), ${state.claims.length} claim(s), ${nextWork.length} suggested next work`,
        data: { sessions: state.sessions, claims: state.claims, nextWork },
      };
    }),
  );

  server.registerTool(
    'claim',
    {
      description: 'Claim repo-relative globs for me, all or nothing; refused when another agent holds an overlapping claim.',
      inputSchema: { paths, ttl: z.string().optional().describe('lease, e.g. 30m (default claims.ttl)'), shared: z.boolean().optional().describe('others may share it') },
    },
    ({ paths: globs, ttl, shared }) =>
      respond(async (ctx) => {
        const agent = await requireAgent(ctx);
        const claims = await claim(ctx, agent, globs, { ttl, shared });
        return { text: `${agent} claims ${claims.map((c) => `${c.glob} (${c.mode}, until ${c.expiresAt})`).join(', ')}`, data: { ok: true, agent, claims } };
      }),
  );

  server.registerTool('release', { description: 'Release my claims on these globs, or all of them.', inputSchema: { paths: paths.optional(), all: z.boolean().optional() } }, ({ paths: globs, all }) =>
    respond(async (ctx) => {
      if (!globs && !all) throw new UsageError('release needs paths or all: true.', { hint: 'Pass {"paths": ["src/api/**"]} or {"all": true}.' });
      const agent = await requireAgent(ctx);
      const released = await release(ctx, agent, all ? undefined : globs);
      return { text: released.length ? `${agent} released ${released.map((c) => c.glob).join(', ')}` : `${agent} held none of those claims`, data: { ok: true, agent, released } };
    }),
  );

  server.registerTool('check', { description: 'Would these paths be blocked for me? Lists the claims that block them.', inputSchema: { paths }, annotations: readOnly }, ({ paths: given }) =>
    respond(async (ctx) => {
      const agent = await findAgent(ctx);
      // Relative to the repository's root, as claim globs are: where the server runs is no concern of the agent's.
      const checked = given.map((p) => repoPath({ ...ctx, cwd: ctx.repo.root }, p));
      const result = await check(ctx, agent, checked);
      const { blocked, offline } = result;
      const text = blocked.length === 0 ? 'free' : blocked.map(({ path, claim: c }) => `${path}: claimed by ${c.holder} (${c.glob}, until ${c.expiresAt})`).join('; ');
      return { text: offline ? `${text} (remote unreachable: last fetched claims)` : text, data: checkResult(agent, checked, result) };
    }),
  );

  server.registerTool('note', { description: 'Write partial work into AgentTracker.md now; renews my leases.', inputSchema: { text: z.string().min(1) } }, ({ text }) =>
    respond(async (ctx) => {
      const agent = await requireAgent(ctx);
      const note = await addNote(ctx, agent, text);
      return { text: `note ${note.id} written`, data: { ok: true, agent, ...note } };
    }),
  );

  server.registerTool(
    'start_session',
    {
      description: 'Start my session: baseline health, then goal, tier and claims recorded at once (all or nothing).',
      inputSchema: {
        goal: z.string().min(1),
        tier: z.number().int().min(1).max(4).describe('1 Simple, 2 Medium, 3 Complex, 4 Expert'),
        claims: paths.optional(),
        fixingBaseline: z.boolean().optional().describe('this session repairs a red baseline'),
        pull: z.boolean().optional().describe('fast-forward to upstream first'),
      },
    },
    ({ goal, tier, claims, fixingBaseline, pull }, extra) =>
      respond(async (ctx) => {
        const agent = await requireAgent(ctx);
        const health = healthProgress(extra);
        const a = await startSession(ctx, agent, { goal, tier, claims, fixingBaseline, pull, health }).finally(health.sent);
        const baseline = a.session.baseline ? a.session.baseline.status : 'no checks';
        return {
          text: `${agent} started ${a.session.id} (tier ${tier}, budget ${budgetText(a.tier)} tokens, baseline ${baseline})`,
          data: startResult(agent, { ...a, health: withFailingOutput(a.health) }),
        };
      }),
  );

  server.registerTool(
    'end_session',
    {
      description: 'End my session: health, handoff in AgentTracker.md committed with what is staged, claims released.',
      inputSchema: {
        summary: z.string().min(1),
        done: texts.optional(),
        next: texts.optional().describe('suggested next work'),
        blockers: texts.optional(),
        failed: texts.optional().describe('approaches that did not work'),
        tokens: z.number().int().min(0).optional(),
        allowRegression: z.string().min(1).optional().describe('reason to hand off despite a regression'),
        noCommit: z.boolean().optional(),
      },
    },
    ({ summary, done, next, blockers, failed, tokens, allowRegression, noCommit }, extra) =>
      respond(async (ctx) => {
        const agent = await requireAgent(ctx);
        const health = healthProgress(extra);
        const h = await endSession(ctx, agent, { summary, done, next, blockers, failed, tokens, allowRegression, commit: !noCommit, health }).finally(health.sent);
        return {
          text: `${agent} ended ${h.session.id}: health ${h.entry.health}; released ${h.released.length} claim(s)${h.commit ? `; committed ${h.commit.slice(0, 10)}` : ''}`,
          data: endResult(agent, { ...h, health: withFailingOutput(h.health) }),
        };
      }),
  );

  server.registerTool('health', { description: "Run the health checks and compare them with my session's baseline.", inputSchema: { base: z.string().optional().describe('base ref for Nx affected') } }, ({ base }, extra) =>
    respond(async (ctx) => {
      const agent = await findAgent(ctx);
      const progress = healthProgress(extra);
      const report = await checkHealth(ctx, agent, { base, ...progress }).finally(progress.sent);
      const { result, comparison } = report;
      const verdict =
        result.checks.length === 0 ? 'no health checks configured' : comparison.blocked ? `red: ${[...comparison.regressions, ...comparison.stillRed].join(', ')}` : `green (${result.checks.length} checks)`;
      return { text: verdict, data: healthResult({ ...report, result: withFailingOutput(result) }) };
    }),
  );

  registerResources(server, context);
  for (const command of SESSION_COMMANDS) {
    server.registerPrompt(
      command.name,
      { title: command.title, description: command.description, argsSchema: { [command.argument.name]: z.string().optional().describe(command.argument.description) } },
      (args: Record<string, string | undefined>) => ({ messages: [{ role: 'user', content: { type: 'text', text: sessionPrompt(command.name, args[command.argument.name]) } }] }),
    );
  }
  return server;
}

/** Serves on stdin and stdout until the client closes stdin and every request read has its reply. */
export async function serveStdio(options: ServerOptions): Promise<void> {
  const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js') as typeof import('@modelcontextprotocol/sdk/server/stdio.js');
  const server = createServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  closeWhenAnswered(transport, () => void server.close());
  await closed;
}

/**
 * The transport does not watch for the end of stdin: the client going away ends the server, but
 * only once every request it sent has its reply (a client may write its calls and close at once).
 * Requests are counted as the transport reads them, replies as it writes them.
 */
function closeWhenAnswered(transport: Transport, close: () => void): void {
  const unanswered = new Set<string | number>();
  let ended = false;
  const closeIfDone = () => ended && unanswered.size === 0 && close();
  const receive = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && 'id' in message) unanswered.add(message.id);
    receive?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, sendOptions) => {
    try {
      await send(message, sendOptions);
    } finally {
      if (!('method' in message) && 'id' in message && message.id !== undefined && unanswered.delete(message.id)) closeIfDone();
    }
  };
  process.stdin.once('end', () => {
    ended = true;
    closeIfDone();
  });
}

/** The tracker, the live claims and the caller's session, for clients that read resources. */
function registerResources(server: McpServer, context: () => Promise<Context>): void {
  const json = (uri: URL, data: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(data, null, 2) }] });
  server.registerResource('tracker', 'agentsync://tracker', { title: 'AgentTracker.md', description: 'Sessions, claims, handoffs and suggested next work', mimeType: 'text/markdown' }, async (uri) => {
    const ctx = await context();
    const text = await readFile(join(ctx.repo.root, TRACKER_FILE), 'utf8').catch(() => `${TRACKER_FILE} does not exist yet: run \`agentsync init\`.`);
    return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
  });
  server.registerResource('claims', 'agentsync://claims', { title: 'Live claims', description: 'Every live claim: holder, glob, mode, expiry', mimeType: 'application/json' }, async (uri) => {
    const ctx = await context();
    return json(uri, { claims: pruneExpired((await readState(ctx.repo)).state, ctx.now()).claims });
  });
  server.registerResource('session', 'agentsync://session', { title: 'My session', description: "The calling agent's live session, or null", mimeType: 'application/json' }, async (uri) => {
    const ctx = await context();
    const agent = await findAgent(ctx);
    return json(uri, { agent: agent ?? null, session: (agent && activeSession((await readState(ctx.repo)).state, agent, ctx.now())) || null });
  });
}
