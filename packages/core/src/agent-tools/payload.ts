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
 */
import type { AgentTool } from './instance';

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
    sessionId: text(data.session_id),
    cwd: text(data.cwd),
    event: text(data.hook_event_name),
    toolName: text(data.tool_name),
    toolInput: isRecord(data.tool_input) ? data.tool_input : {},
    stopHookActive: data.stop_hook_active === true,
    source: text(data.source),
  };
}

/**
 * The files an edit tool call will write, as the tool gave them (absolute, or
 * relative to the payload's cwd). Both sides of a move count; a tool input this
 * knows nothing of gives no paths.
 */
export function editedPaths(payload: HookPayload): string[] {
  const input = payload.toolInput;
  const paths = [input.file_path, input.notebook_path, input.path].map(text).filter((p): p is string => p !== undefined);
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
