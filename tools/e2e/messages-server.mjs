/**
 * A scripted model server on 127.0.0.1 that speaks enough of Anthropic's
 * Messages API (`POST /v1/messages`, streamed as server-sent events) for the
 * real Claude Code binary to run a conversation against it: each main-loop
 * request gets the next scripted step, a `tool_use` block or plain text. The
 * step is chosen by how many assistant turns the request already carries, so
 * a session that retries or a second session gets the right answer.
 *
 * Requests without tools (titles, summaries, quota checks) get a short text.
 * Every request is recorded, so a test can read the `tool_result` a hook's
 * refusal became.
 *
 *   const server = await startMessagesServer([{ tool: 'Write', input: { file_path, content } }, { text: 'done' }]);
 *   env.ANTHROPIC_BASE_URL = server.url;
 */
import { createServer } from 'node:http';

/** Starts the server; `script` is an array of steps, or a function from the request body to a step. */
export function startMessagesServer(script) {
  const requests = [];
  const stepFor = typeof script === 'function' ? script : (body) => script[Math.min(assistantTurns(body), script.length - 1)];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.method !== 'POST' || !req.url.startsWith('/v1/messages')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const body = text ? JSON.parse(text) : {};
      if (req.url.startsWith('/v1/messages/count_tokens')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 100 }));
        return;
      }
      requests.push(body);
      const main = Array.isArray(body.tools) && body.tools.length > 0;
      const step = main ? stepFor(body) : { text: 'ok' };
      reply(res, body, step, requests.length);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        /** The tool_result blocks the model was sent by the last main-loop request, in order, as text. */
        toolResults: () => {
          const last = requests.filter((body) => Array.isArray(body.tools) && body.tools.length > 0).at(-1);
          return (last?.messages ?? []).flatMap((m) =>
            (Array.isArray(m.content) ? m.content : []).filter((b) => b.type === 'tool_result').map((b) => ({ id: b.tool_use_id, error: Boolean(b.is_error), text: blockText(b.content) })),
          );
        },
        /** Every text the model was given after its first turn (system notes from hooks, tool results), joined. */
        transcript: () => JSON.stringify(requests.at(-1)?.messages ?? []),
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/** How many assistant turns the request carries: the index of the step it asks for. */
export function assistantTurns(body) {
  return (body.messages ?? []).filter((m) => m.role === 'assistant').length;
}

function blockText(content) {
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('');
}

function reply(res, body, step, serial) {
  const id = `msg_${serial}`;
  const model = body.model ?? 'claude-sonnet';
  const usage = { input_tokens: 100, output_tokens: 20 };
  const block = step.tool
    ? { type: 'tool_use', id: `toolu_${serial}_${Math.random().toString(36).slice(2, 8)}`, name: step.tool, input: {} }
    : { type: 'text', text: '' };
  const stopReason = step.tool ? 'tool_use' : 'end_turn';
  if (!body.stream) {
    const content = step.tool ? [{ ...block, input: step.input }] : [{ type: 'text', text: step.text ?? 'done' }];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`);
  send('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } });
  send('content_block_start', { index: 0, content_block: block });
  const delta = step.tool
    ? { type: 'input_json_delta', partial_json: JSON.stringify(step.input) }
    : { type: 'text_delta', text: step.text ?? 'done' };
  send('content_block_delta', { index: 0, delta });
  send('content_block_stop', { index: 0 });
  send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 20 } });
  send('message_stop', {});
  res.end();
}
