/**
 * `agentsync mcp`: the CLI's operations as an MCP server on stdio, on the
 * official TypeScript SDK. Each tool call opens the repository and resolves the
 * agent the way the CLI does (core's identity, from this process's environment,
 * which the agent tool set when it started the server), so a claim made here
 * and an edit checked by the tool's hooks are the same agent.
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
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import {
  addNote,
  budgetText,
  check,
  checkHealth,
  claim,
  endSession,
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
import { activeSession, pruneExpired, TRACKER_FILE } from '@agentsync/core/domain';
import { isAgentSyncError, UsageError } from '@agentsync/core/errors';
import { healthChecks, type CheckResult, type HealthCheck, type HealthResult } from '@agentsync/core/health';
import { sessionPrompt, SESSION_COMMANDS } from '@agentsync/core/setup';
import { readState } from '@agentsync/core/store';

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

const INSTRUCTIONS =
  'AgentSync coordinates the agents and people sharing this git repository. Start with start_session, claim paths before editing them, write partial work with note, finish with end_session. A refused claim names the holder, the glob and the expiry: do not edit those paths.';

const paths = z.array(z.string().min(1)).min(1);
const texts = z.array(z.string());

/** A refusal or bad input as an error result: what, where, how to fix, and the error's own details. */
function errorResult(error: unknown, env: NodeJS.ProcessEnv): CallToolResult {
  if (!isAgentSyncError(error)) {
    const message = error instanceof Error ? error.message : String(error);
    if (env.AGENTSYNC_DEBUG === '1') process.stderr.write(`${error instanceof Error ? error.stack : message}\n`);
    return { isError: true, content: [{ type: 'text', text: `internal error: ${message}` }], structuredContent: { ok: false, error: { type: 'InternalError', message } } };
  }
  const { name, message, where, hint, exitCode, ...details } = error;
  const text = hint ? `${message}\nHow to fix: ${hint}` : message;
  return { isError: true, content: [{ type: 'text', text }], structuredContent: { ok: false, error: { type: name, message, where, hint, exitCode, ...details } } };
}

/**
 * Progress notifications for a health run, when the client asked for them with a progress token:
 * two steps a check (started, finished), so progress rises with every notification as the spec
 * asks. `sent` resolves once all are written, so none follows the result. (The SDK's own client
 * handles a notification a microtask after reading it: one read in the same chunk as the result,
 * as a cached check's is, reaches it too late; a check that really runs reports as it goes.)
 */
function healthProgress(extra: Extra, checks: readonly HealthCheck[]) {
  const token = extra._meta?.progressToken;
  const pending: Array<Promise<void>> = [];
  let finished = 0;
  const send = (progress: number, message: string) => {
    if (token === undefined) return;
    const params = { progressToken: token, progress, total: 2 * checks.length, message };
    pending.push(extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined));
  };
  return {
    onStart: (check: HealthCheck) => send(2 * finished + 1, `running ${check.name}`),
    onResult: (result: CheckResult) => send(2 * ++finished, `${result.status} ${result.name}${result.cached ? ' (cached)' : ''}`),
    sent: () => Promise.all(pending).then(() => undefined),
  };
}

/** The checks as an agent needs them: failing ones with their output's tail. */
const checkSummaries = (health: HealthResult) =>
  health.checks.map(({ name, status: state, durationMs, cached, outputTail }) => ({ name, status: state, durationMs, ...(cached ? { cached } : {}), ...(state === 'pass' ? {} : { outputTail }) }));

/** Builds the server; nothing is read until a client calls. */
export function createServer(options: ServerOptions): McpServer {
  const server = new McpServer({ name: 'agentsync', version: options.version }, { instructions: INSTRUCTIONS });
  const context = () => openContext({ cwd: options.cwd, env: options.env, agentFlag: options.agentFlag });

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
      const { blocked, offline } = await check(ctx, agent, given.map((p) => repoPath(ctx, p)));
      const text = blocked.length === 0 ? 'free' : blocked.map(({ path, claim: c }) => `${path}: claimed by ${c.holder} (${c.glob}, until ${c.expiresAt})`).join('; ');
      return { text: offline ? `${text} (remote unreachable: last fetched claims)` : text, data: { ok: blocked.length === 0, agent: agent ?? null, blocked, ...(offline ? { offline } : {}) } };
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
        const health = healthProgress(extra, healthChecks(ctx.config, ctx.repo.root));
        const a = await startSession(ctx, agent, { goal, tier, claims, fixingBaseline, pull, health }).finally(health.sent);
        const baseline = a.session.baseline ? a.session.baseline.status : 'no checks';
        return {
          text: `${agent} started ${a.session.id} (tier ${tier}, budget ${budgetText(a.tier)} tokens, baseline ${baseline})`,
          data: { ok: true, agent, session: a.session, tier: a.tier, claims: a.claims, others: a.others, nextWork: a.nextWork, upstream: a.upstream ?? null, warnings: a.warnings },
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
        const health = healthProgress(extra, healthChecks(ctx.config, ctx.repo.root));
        const h = await endSession(ctx, agent, { summary, done, next, blockers, failed, tokens, allowRegression, commit: !noCommit, health }).finally(health.sent);
        return {
          text: `${agent} ended ${h.session.id}: health ${h.entry.health}; released ${h.released.length} claim(s)${h.commit ? `; committed ${h.commit.slice(0, 10)}` : ''}`,
          data: { ok: true, agent, session: h.session, entry: h.entry, released: h.released, commit: h.commit ?? null, nextWork: h.nextWork, comparison: h.comparison, checks: checkSummaries(h.health) },
        };
      }),
  );

  server.registerTool('health', { description: "Run the health checks and compare them with my session's baseline.", inputSchema: { base: z.string().optional().describe('base ref for Nx affected') } }, ({ base }, extra) =>
    respond(async (ctx) => {
      const agent = await findAgent(ctx);
      const progress = healthProgress(extra, healthChecks(ctx.config, ctx.repo.root, base));
      const { result, baseline, comparison } = await checkHealth(ctx, agent, { base, ...progress }).finally(progress.sent);
      const verdict =
        result.checks.length === 0 ? 'no health checks configured' : comparison.blocked ? `red: ${[...comparison.regressions, ...comparison.stillRed].join(', ')}` : `green (${result.checks.length} checks)`;
      return { text: verdict, data: { ok: !comparison.blocked, green: result.green, tree: result.tree ?? null, baseline: baseline ?? null, ...comparison, checks: checkSummaries(result) } };
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

/** Serves on stdin and stdout until the client closes stdin. */
export async function serveStdio(options: ServerOptions): Promise<void> {
  const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js') as typeof import('@modelcontextprotocol/sdk/server/stdio.js');
  const server = createServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  // The transport does not watch for the end of stdin: the client going away ends the server.
  process.stdin.once('end', () => void server.close());
  await server.connect(transport);
  await closed;
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
