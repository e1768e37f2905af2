/**
 * A scripted model server on 127.0.0.1 for OpenAI's Responses API
 * (`POST /v1/responses`, streamed), enough for the real Codex CLI (a custom
 * model provider) and Copilot CLI (`COPILOT_PROVIDER_BASE_URL`) to run a turn:
 * each request gets the next scripted step, a tool call or a final message,
 * chosen by how many tool outputs the request already carries. Copilot needs the
 * whole event sequence (created, added, deltas, done, completed); Codex reads
 * `output_item.done`. Every request is recorded.
 *
 *   steps: [{ custom: 'apply_patch', input: PATCH } | { function: 'edit', arguments: {...}, namespace? } | { search: QUERY } | { text: 'done' }]
 *
 * Codex defers MCP tools behind its client-side `tool_search`: `{ search }` calls it, and the
 * tools it finds come back namespaced (`{ function: 'claim', namespace: 'mcp__agentsync__' }`).
 */
import { createServer } from 'node:http';

export function startResponsesServer(steps) {
  const requests = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      if (!(req.method === 'POST' && req.url.endsWith('/responses'))) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `not scripted: ${req.method} ${req.url}` } }));
        return;
      }
      const body = JSON.parse(raw);
      requests.push(body);
      const step = steps[Math.min(toolOutputs(body).length, steps.length - 1)];
      stream(res, item(step, requests.length), body.model ?? 'scripted', requests.length);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}/v1`,
        requests,
        /** The tool outputs the last request sent back to the model, as text. */
        toolOutputs: () => toolOutputs(requests.at(-1) ?? {}).map((o) => (typeof o.output === 'string' ? o.output : JSON.stringify(o.output))),
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const toolOutputs = (body) => (Array.isArray(body.input) ? body.input.filter((i) => /_call_output$|^tool_search_output$/.test(i?.type ?? '')) : []);

function item(step, n) {
  if (step.custom) return { type: 'custom_tool_call', id: `ctc_${n}`, call_id: `call_${n}`, name: step.custom, input: step.input, status: 'completed' };
  if (step.function) {
    return { type: 'function_call', id: `fc_${n}`, call_id: `call_${n}`, name: step.function, ...(step.namespace ? { namespace: step.namespace } : {}), arguments: JSON.stringify(step.arguments), status: 'completed' };
  }
  if (step.search) return { type: 'tool_search_call', id: `ts_${n}`, call_id: `call_${n}`, execution: 'client', status: 'completed', arguments: { query: step.search, limit: 8 } };
  return { type: 'message', role: 'assistant', id: `msg_${n}`, status: 'completed', content: [{ type: 'output_text', text: step.text ?? 'done', annotations: [] }] };
}

function stream(res, done, model, n) {
  const usage = { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 };
  const base = { id: `resp_${n}`, object: 'response', created_at: Math.floor(Date.now() / 1000), model, status: 'in_progress', output: [] };
  const at = { item_id: done.id, output_index: 0 };
  const events = [
    { type: 'response.created', response: base },
    { type: 'response.in_progress', response: base },
    { type: 'response.output_item.added', output_index: 0, item: done.type === 'message' ? { ...done, status: 'in_progress', content: [] } : { ...done, status: 'in_progress' } },
  ];
  if (done.type === 'message') {
    const text = done.content[0].text;
    const part = { type: 'output_text', text: '', annotations: [] };
    events.push(
      { type: 'response.content_part.added', ...at, content_index: 0, part },
      { type: 'response.output_text.delta', ...at, content_index: 0, delta: text },
      { type: 'response.output_text.done', ...at, content_index: 0, text },
      { type: 'response.content_part.done', ...at, content_index: 0, part: { ...part, text } },
    );
  } else if (done.type === 'function_call') {
    events.push({ type: 'response.function_call_arguments.delta', ...at, delta: done.arguments }, { type: 'response.function_call_arguments.done', ...at, arguments: done.arguments });
  } else if (done.type === 'custom_tool_call') {
    events.push({ type: 'response.custom_tool_call_input.delta', ...at, delta: done.input }, { type: 'response.custom_tool_call_input.done', ...at, input: done.input });
  }
  events.push({ type: 'response.output_item.done', output_index: 0, item: done }, { type: 'response.completed', response: { ...base, status: 'completed', output: [done], usage } });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [i, event] of events.entries()) res.write(`event: ${event.type}\ndata: ${JSON.stringify({ ...event, sequence_number: i })}\n\n`);
  res.end();
}
