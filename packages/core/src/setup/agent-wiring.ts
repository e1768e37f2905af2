/**
 * What `agentsync init` writes into each agent tool's own hook configuration,
 * as one table ({@link AGENT_WIRING}), and the two operations on it: wire
 * (merged into the file that is there, every user key kept, a second run
 * changes nothing) and remove (for `agentsync uninstall`). Every hook runs
 * `.agentsync/agent-hook.sh`, which finds the CLI and fails closed.
 */
import type { JSONPath } from 'jsonc-parser';
import { readJsonSetting, withJsonEdits, type JsonEdit } from './json-settings';
import { writeIfChanged, type FileChange, type FileHost } from './file-host';
import type { AgentEvent } from '../agent-tools/answer';
import { AGENT_TOOLS, type AgentTool } from '../domain/agent-instance';
import { AGENT_HOOK_SCRIPT, agentHookScript } from './agent-hook-script';

/** One hook of a tool: its event and matcher in the tool's terms, and the AgentSync event it runs. */
interface HookSpec {
  event: string;
  matcher?: string;
  run: AgentEvent;
}

export interface ToolWiring {
  tool: AgentTool;
  /** The tool's hook file, repo-relative. */
  file: string;
  /** Where the format is documented or read from, and the version it was checked against. */
  source: string;
  hooks: readonly HookSpec[];
  /** The array of hook entries for `event` in the file. */
  eventPath: (event: string) => JSONPath;
  /** The entry written for `hook`, in the file's own shape. */
  entry: (hook: HookSpec) => Record<string, unknown>;
  /** Top-level keys the file needs besides the hooks, such as a format version. */
  base?: Record<string, unknown>;
}

/** How a hook line starts the script: from the project dir the tool names, else from git's top level. */
const scriptCall = (root: string, run: AgentEvent, tool: AgentTool) => `sh "${root}/${AGENT_HOOK_SCRIPT}" ${run} ${tool}`;
const GIT_TOP = '$(git rev-parse --show-toplevel)';

/**
 * Claude Code, Codex and Gemini CLI share one shape: `hooks.<Event>[]` of
 * `{matcher, hooks: [{type: "command", command, timeout}]}`.
 */
function matcherGroup(tool: AgentTool, root: string) {
  return (hook: HookSpec): Record<string, unknown> => ({
    ...(hook.matcher ? { matcher: hook.matcher } : {}),
    hooks: [
      {
        // Gemini CLI warns about a project hook whose name or command changed: a stable name.
        ...(tool === 'gemini' ? { name: `agentsync-${hook.run}` } : {}),
        type: 'command',
        command: scriptCall(root, hook.run, tool),
        // Gemini counts milliseconds, the others seconds.
        timeout: tool === 'gemini' ? 30_000 : 30,
        // Claude Code 2.1.295+: a hook that cannot start, times out or exits 1 blocks instead of
        // letting the edit through (its settings schema, `onFailure`); the script blocks as well.
        ...(tool === 'claude' && hook.run === 'edit' ? { onFailure: 'block' } : {}),
      },
    ],
  });
}

/** The table of what init writes per tool, in AGENT_TOOLS' order. */
export const AGENT_WIRING: Readonly<Record<AgentTool, ToolWiring>> = {
  claude: {
    tool: 'claude',
    file: '.claude/settings.json',
    // https://code.claude.com/docs/en/hooks (events, matchers, JSON output, CLAUDE_PROJECT_DIR);
    // onFailure from the settings schema inside @anthropic-ai/claude-code 2.1.328; every hook
    // below run against that binary (packages/cli/tests/agent-tools.e2e.spec.ts).
    source: 'https://code.claude.com/docs/en/hooks, checked against @anthropic-ai/claude-code 2.1.328',
    hooks: [
      { event: 'PreToolUse', matcher: 'Edit|Write|MultiEdit|NotebookEdit', run: 'edit' },
      { event: 'SessionStart', run: 'start' },
      { event: 'PostToolUse', matcher: 'Bash', run: 'shell' },
      { event: 'Stop', run: 'stop' },
    ],
    eventPath: (event) => ['hooks', event],
    entry: matcherGroup('claude', '$CLAUDE_PROJECT_DIR'),
  },
  codex: {
    tool: 'codex',
    file: '.codex/hooks.json',
    // openai/codex codex-rs/hooks (events/pre_tool_use.rs, matcher on the tool name; apply_patch
    // is the edit tool, Bash the shell), checked against @openai/codex 0.169.0 headless: the hook
    // runs in the session's cwd, which has no project-dir variable, so git finds the top.
    source: 'openai/codex codex-rs/hooks, checked against @openai/codex 0.169.0',
    hooks: [
      { event: 'PreToolUse', matcher: 'apply_patch|Edit|Write', run: 'edit' },
      { event: 'SessionStart', run: 'start' },
      { event: 'PostToolUse', matcher: 'Bash', run: 'shell' },
      { event: 'Stop', run: 'stop' },
    ],
    eventPath: (event) => ['hooks', event],
    entry: matcherGroup('codex', GIT_TOP),
  },
  gemini: {
    tool: 'gemini',
    file: '.gemini/settings.json',
    // google-gemini/gemini-cli docs/hooks/reference.md (BeforeTool/AfterTool, regex matchers,
    // timeout in ms, $GEMINI_PROJECT_DIR), checked against @google/gemini-cli 0.61.0 headless.
    // Its only file writers are write_file and replace; run_shell_command is its shell.
    source: 'google-gemini/gemini-cli docs/hooks/reference.md, checked against @google/gemini-cli 0.61.0',
    hooks: [
      { event: 'BeforeTool', matcher: 'write_file|replace', run: 'edit' },
      { event: 'BeforeTool', matcher: 'run_shell_command', run: 'pre-shell' },
      { event: 'SessionStart', run: 'start' },
      { event: 'AfterTool', matcher: 'run_shell_command', run: 'shell' },
    ],
    eventPath: (event) => ['hooks', event],
    entry: matcherGroup('gemini', '$GEMINI_PROJECT_DIR'),
  },
  copilot: {
    tool: 'copilot',
    file: '.github/hooks/agentsync.json',
    // https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference (camelCase
    // events, `bash` command, timeoutSec, matcher fully matching the tool name), checked against
    // @github/copilot 1.0.102 headless: with some models it edits through apply_patch, not edit/create.
    source: 'https://docs.github.com/en/copilot/reference/copilot-cli-reference/cli-hooks-reference, checked against @github/copilot 1.0.102',
    hooks: [
      { event: 'preToolUse', matcher: 'edit|create|apply_patch', run: 'edit' },
      { event: 'sessionStart', run: 'start' },
      { event: 'postToolUse', matcher: 'bash', run: 'shell' },
    ],
    eventPath: (event) => ['hooks', event],
    entry: (hook) => ({
      type: 'command',
      ...(hook.matcher ? { matcher: hook.matcher } : {}),
      // COPILOT_PROJECT_DIR is set for the CLI's hooks; the coding agent in GitHub's cloud is not documented to set it.
      bash: scriptCall('${COPILOT_PROJECT_DIR:-$(git rev-parse --show-toplevel)}', hook.run, 'copilot'),
      timeoutSec: 30,
    }),
    base: { version: 1 },
  },
  cursor: {
    tool: 'cursor',
    file: '.cursor/hooks.json',
    // https://cursor.com/docs/agent/hooks (not runnable here: Cursor is no npm package), through the
    // secondary sources in agent-tools/fixtures/README.md: preToolUse with failClosed can refuse an
    // edit before it happens; an unknown event name invalidates the whole file, so only known ones.
    source: 'https://cursor.com/docs/agent/hooks (Cursor 3.x), not run here',
    hooks: [
      { event: 'preToolUse', matcher: 'Write|StrReplace|Delete|EditNotebook|ApplyPatch|Edit|MultiEdit', run: 'edit' },
      { event: 'sessionStart', run: 'start' },
      { event: 'postToolUse', matcher: 'Shell', run: 'shell' },
    ],
    eventPath: (event) => ['hooks', event],
    entry: (hook) => ({
      command: scriptCall(GIT_TOP, hook.run, 'cursor'),
      ...(hook.matcher ? { matcher: hook.matcher } : {}),
      ...(hook.run === 'edit' ? { failClosed: true } : {}),
    }),
    base: { version: 1 },
  },
};

/** Whether a hook entry is one AgentSync wrote for `run` (any version of it). */
const isOurs = (entry: unknown, run?: AgentEvent) => {
  const text = JSON.stringify(entry) ?? '';
  return text.includes(AGENT_HOOK_SCRIPT) && (run === undefined || new RegExp(`agent-hook\\.sh\\\\?"? ${run} `).test(text));
};

const valueAt = (doc: unknown, path: JSONPath): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key as string] : undefined), doc);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The edits that bring `doc` (the parsed file) to hold exactly AgentSync's current entries. */
function wiringEdits(wiring: ToolWiring, doc: unknown): JsonEdit[] {
  const edits: JsonEdit[] = [];
  for (const [key, value] of Object.entries(wiring.base ?? {})) {
    if (valueAt(doc, [key]) === undefined) edits.push({ path: [key], value });
  }
  for (const event of new Set(wiring.hooks.map((h) => h.event))) {
    const path = wiring.eventPath(event);
    const entries = valueAt(doc, path);
    const hooks = wiring.hooks.filter((h) => h.event === event);
    if (!Array.isArray(entries)) {
      edits.push({ path, value: hooks.map(wiring.entry) });
      continue;
    }
    for (const hook of hooks) {
      const wanted = wiring.entry(hook);
      const index = entries.findIndex((entry) => isOurs(entry, hook.run));
      if (index === -1) edits.push({ path: [...path, -1], value: wanted, insert: true });
      else if (!same(entries[index], wanted)) edits.push({ path: [...path, index], value: wanted });
    }
  }
  return edits;
}

/**
 * Wires `tools` (all by default): the shared hook script, then each tool's hook
 * file, merged. Records what changed in `changed`.
 */
export function wireAgentTools(host: FileHost, changed: FileChange[], tools: readonly AgentTool[] = AGENT_TOOLS): void {
  const wirings = tools.map((tool) => AGENT_WIRING[tool]);
  if (wirings.length === 0) return;
  writeIfChanged(host, changed, AGENT_HOOK_SCRIPT, agentHookScript(), true);
  for (const wiring of wirings) {
    const text = host.read(wiring.file);
    const doc = text === undefined ? {} : readJsonSetting(text, [], wiring.file);
    const edits = wiringEdits(wiring, doc);
    // A file that init created a moment ago (.gemini/settings.json for the MCP server) is listed once.
    const change: FileChange[] = [];
    if (edits.length > 0) writeIfChanged(host, change, wiring.file, withJsonEdits(text, edits, wiring.file));
    changed.push(...change.filter((c) => !changed.some((earlier) => earlier.path === c.path)));
  }
}

/**
 * What is out of date in the wiring of the tools this repository wired: each
 * tool file with AgentSync entries that lacks some or has older ones, and the
 * hook script when those files need it and it is missing or not this version's.
 * For `agentsync doctor`; `agentsync init` brings them up to date.
 */
export function staleAgentWiring(host: FileHost): string[] {
  const wired = Object.values(AGENT_WIRING).filter((wiring) => {
    const text = host.read(wiring.file);
    return text !== undefined && text.includes(AGENT_HOOK_SCRIPT);
  });
  const stale = wired.filter((wiring) => wiringEdits(wiring, readJsonSetting(host.read(wiring.file)!, [], wiring.file)).length > 0).map((w) => w.file);
  if (wired.length > 0 && host.read(AGENT_HOOK_SCRIPT) !== agentHookScript()) stale.unshift(AGENT_HOOK_SCRIPT);
  return stale;
}

/**
 * Takes out everything {@link wireAgentTools} wrote, keeping the user's own
 * hooks and keys: AgentSync's entries, event arrays and `hooks` objects left
 * empty, a file left empty, and the hook script. For `agentsync uninstall`.
 */
export function removeAgentWiring(host: FileHost): FileChange[] {
  const changed: FileChange[] = [];
  for (const wiring of Object.values(AGENT_WIRING)) {
    const text = host.read(wiring.file);
    if (text === undefined) continue;
    const doc = readJsonSetting(text, [], wiring.file);
    const edits: JsonEdit[] = [];
    const emptied = new Set<string>();
    for (const event of new Set(wiring.hooks.map((h) => h.event))) {
      const path = wiring.eventPath(event);
      const entries = valueAt(doc, path);
      if (!Array.isArray(entries)) continue;
      const kept = entries.filter((entry) => !isOurs(entry));
      if (kept.length === entries.length) continue;
      if (kept.length > 0) {
        // From the end, so the indexes of the ones still to remove stay right.
        entries.forEach((entry, i) => isOurs(entry) && edits.unshift({ path: [...path, i], value: undefined }));
      } else {
        edits.push({ path, value: undefined });
        emptied.add(JSON.stringify(path.slice(0, -1)));
      }
    }
    if (edits.length === 0) continue;
    let next = withJsonEdits(text, edits, wiring.file);
    // A `hooks` object nothing is left in goes too, then a file nothing is left in.
    for (const parent of [...emptied].map((p) => JSON.parse(p) as JSONPath)) {
      const value = valueAt(readJsonSetting(next, [], wiring.file), parent);
      if (parent.length > 0 && value !== null && typeof value === 'object' && Object.keys(value).length === 0) next = withJsonEdits(next, [{ path: parent, value: undefined }], wiring.file);
    }
    const rest = readJsonSetting(next, [], wiring.file) as Record<string, unknown>;
    const onlyBase = Object.entries(rest).every(([key, value]) => same(wiring.base?.[key], value));
    if (onlyBase && host.remove) {
      host.remove(wiring.file);
      changed.push({ path: wiring.file, action: 'deleted' });
    } else {
      writeIfChanged(host, changed, wiring.file, next);
    }
  }
  if (host.read(AGENT_HOOK_SCRIPT) !== undefined && host.remove) {
    host.remove(AGENT_HOOK_SCRIPT);
    changed.push({ path: AGENT_HOOK_SCRIPT, action: 'deleted' });
  }
  return changed;
}
