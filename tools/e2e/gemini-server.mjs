/**
 * A scripted model server on 127.0.0.1 for the Gemini API (v1beta
 * `models/M:streamGenerateContent`), enough for the real Gemini CLI
 * (`GOOGLE_GEMINI_BASE_URL`) to run a turn: each main request gets the next
 * scripted step, a function call or text, chosen by how many function responses
 * the conversation already holds. The CLI's utility calls (its model router,
 * next-speaker checks) ask for JSON of a schema and get a minimal object of it.
 *
 *   steps: [{ call: 'write_file', args: { file_path, content } } | { text: 'done' }]
 */
import { createServer } from 'node:http';

export function startGeminiServer(steps) {
  const requests = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : {};
      const url = req.url ?? '';
      if (req.method === 'POST' && url.includes(':countTokens')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ totalTokens: 1 }));
        return;
      }
      if (req.method !== 'POST' || !url.includes('enerateContent')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 404, message: `not scripted: ${url}`, status: 'NOT_FOUND' } }));
        return;
      }
      requests.push(body);
      const answer = JSON.stringify(answerFor(body, steps));
      if (url.includes(':streamGenerateContent')) res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: ${answer}\n\n`);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        requests,
        /** The function responses the last main request carried, as JSON text. */
        functionResponses: () => functionResponses(requests.filter((b) => declaresTools(b)).at(-1) ?? {}).map((r) => JSON.stringify(r.response)),
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const usageMetadata = { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 };
const declaresTools = (body) => (body.tools ?? []).some((t) => (t.functionDeclarations ?? []).length > 0);
const functionResponses = (body) => (body.contents ?? []).flatMap((c) => (c.parts ?? []).filter((p) => p.functionResponse).map((p) => p.functionResponse));
const candidate = (parts) => ({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata });

function answerFor(body, steps) {
  const schema = body.generationConfig?.responseJsonSchema ?? body.generationConfig?.responseSchema;
  if (schema) return candidate([{ text: JSON.stringify(fromSchema(schema)) }]);
  if (!declaresTools(body)) return candidate([{ text: 'ok' }]);
  const step = steps[Math.min(functionResponses(body).length, steps.length - 1)];
  return candidate([step.call ? { functionCall: { name: step.call, args: step.args } } : { text: step.text ?? 'done' }]);
}

/** A minimal value of a JSON schema, so a utility call of the CLI goes on. */
function fromSchema(schema) {
  if (schema?.enum) return schema.enum[0];
  const type = String(schema?.type ?? 'OBJECT').toUpperCase();
  if (type === 'OBJECT') return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, fromSchema(value)]));
  if (type === 'ARRAY') return [];
  if (type === 'INTEGER' || type === 'NUMBER') return 1;
  if (type === 'BOOLEAN') return false;
  return 'scripted';
}
