/**
 * What an agent tool's hook says on stdin, as plain data: which session, where,
 * and which files an edit is about to touch. Pure: no file system, no git; the
 * guard turns the paths into repo-relative ones.
 *
 * Formats, each checked against the pinned real binary (fixtures in ./fixtures):
 * - Claude Code 2.1.328: `{session_id, cwd, hook_event_name, tool_name, tool_input}`;
 *   Write/Edit/MultiEdit give `tool_input.file_path`, NotebookEdit `notebook_path`,
 *   always absolute (https://code.claude.com/docs/en/hooks#pretooluse-input).
 * - Codex 0.169.0: the same envelope; `apply_patch`'s `tool_input.command` is the raw
 *   patch (openai/codex codex-rs/apply-patch/apply_patch_tool_instructions.md).
 * - Gemini CLI 0.61.0: the same envelope; `write_file` and `replace` give `tool_input.file_path`,
 *   as the model wrote it, so possibly relative to `cwd`.
 * - Copilot CLI 1.0.102 (camelCase events): `{sessionId, cwd, toolName, toolArgs}`; `toolArgs` is
 *   an object for `edit`/`create` (`path`), the raw patch string for `apply_patch`, and a JSON
 *   string in the older format (https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference).
 * - Cursor 3.x (https://cursor.com/docs/agent/hooks, seen through the sources in fixtures/README.md):
 *   the snake_case envelope with `conversation_id`, Write's `tool_input.file_path`.
 */
import type { AgentTool } from '../domain/agent-instance';

export interface HookPayload {
  sessionId?: string;
  /** The directory the tool runs in; relative paths in the payload are relative to it. */
  cwd?: string;
  event?: string;
  toolName?: string;
  toolInput: Record<string, unknown>;
  /** Claude Code's Stop: set when the agent is already continuing because of a Stop hook. */
  stopHookActive: boolean;
  /** SessionStart's reason: startup, resume, clear, compact. */
  source?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** Thrown for a payload that is not the JSON object the tool documents. */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** Parses a hook's stdin; throws PayloadError when it is not a JSON object. */
export function parseHookPayload(tool: AgentTool, input: string): HookPayload {
  let data: unknown;
  try {
    data = JSON.parse(input);
  } catch {
    throw new PayloadError(`the ${tool} hook payload on stdin is not JSON (${input.trim() === '' ? 'it is empty' : `starts ${JSON.stringify(input.slice(0, 40))}`})`);
  }
  if (!isRecord(data)) throw new PayloadError(`the ${tool} hook payload on stdin is not a JSON object`);
  return {
    sessionId: text(data.session_id) ?? text(data.sessionId) ?? text(data.conversation_id),
    cwd: text(data.cwd),
    event: text(data.hook_event_name),
    toolName: text(data.tool_name) ?? text(data.toolName),
    toolInput: toolInput(data.tool_input ?? data.toolArgs),
    stopHookActive: data.stop_hook_active === true,
    source: text(data.source),
  };
}

/** A tool's arguments: an object, a JSON string of one (Copilot's older format), or a bare patch. */
function toolInput(value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (typeof value !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Not JSON: Copilot's apply_patch passes the patch itself.
  }
  return { patch: value };
}

/**
 * The files an edit tool call will write, as the tool gave them (absolute, or
 * relative to the payload's cwd). Both sides of a move count; a tool input this
 * knows nothing of gives no paths.
 */
export function editedPaths(payload: HookPayload): string[] {
  const input = payload.toolInput;
  const paths = [input.file_path, input.notebook_path, input.path, input.target_file].map(text).filter((p): p is string => p !== undefined);
  const patch = text(input.command) ?? text(input.patch) ?? text(input.input);
  if (patch?.includes('*** Begin Patch')) paths.push(...patchPaths(patch));
  return [...new Set(paths)];
}

const PATCH_FILE_LINE = /^\s*\*\*\* (?:Add|Update|Delete) File: (.+?)\s*$|^\s*\*\*\* Move to: (.+?)\s*$/;

/**
 * The files an apply_patch patch touches: every `*** Add File:`, `*** Update
 * File:`, `*** Delete File:` and `*** Move to:` header, in order. Codex trims
 * the headers, so indented ones count too.
 */
export function patchPaths(patch: string): string[] {
  const paths: string[] = [];
  for (const line of patch.split(/\r?\n/)) {
    const match = PATCH_FILE_LINE.exec(line);
    if (match) paths.push(match[1] ?? match[2]);
  }
  return paths;
}
