/**
 * Which session of an agent tool a process belongs to, for the processes the
 * tool gives no session id: the stdio MCP servers of Gemini CLI and Codex.
 * Their hooks do get one, so each hook records "process P of tool T runs
 * session S" in the clone's AgentSync cache, P being the tool's own process
 * (the nearest ancestor of the hook that is not a shell: the tools run hooks
 * through `bash -c` or `sh`). The MCP server, a descendant of the same process
 * (tool → npx → sh → node), looks up the record of its nearest recorded
 * ancestor. A pid is told from a later process that reuses it by its start time.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '../app/context';
import { openRepo } from '../git/git';
import { instanceAgentId, isAgentTool, type AgentTool } from '../domain/agent-instance';

/** One process: its parent, its command name and when it started. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  name: string;
  start: string;
}

/** Looks a process up; undefined when it is gone. */
export type ProcessReader = (pid: number) => ProcessInfo | undefined;

/** What a hook records: the tool's process and the session it runs. */
export interface InstanceRecord {
  tool: AgentTool;
  sessionId: string;
  pid: number;
  start: string;
  /** When the record was written (ISO): the newest of one process wins (a `/clear` starts a new session). */
  at: string;
}

/** The tools whose stdio MCP servers get no session id from them (docs/mcp.md, "Identity"). */
const SESSIONLESS_SERVERS: ReadonlySet<AgentTool> = new Set(['codex', 'gemini']);

/** Shells the tools run hooks through; the tool is the first ancestor that is none of them. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'mksh', 'ash', 'busybox', 'fish']);

/** At most this many ancestors are walked: a process tree is never that deep between a tool and its hook. */
const MAX_DEPTH = 32;

/** Whether `tool`'s MCP server needs its session from a record. */
export const recordsInstances = (tool: AgentTool): boolean => SESSIONLESS_SERVERS.has(tool);

/** Parses the text of Linux's `/proc/PID/stat` (the command name may hold spaces and parentheses). */
export function parseProcStat(pid: number, text: string): ProcessInfo | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // After the name: state, ppid, … field 22 of the line (index 19 here) is the start time in clock ticks since boot.
  const fields = text.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  const start = fields[19];
  return Number.isInteger(ppid) && start ? { pid, ppid, name: text.slice(open + 1, close), start } : undefined;
}

/** Parses `ps -A -o pid=,ppid=,lstart=,comm=` (lstart is five words, e.g. `Fri Dec  4 21:59:35 2026`). */
export function parsePsTable(text: string): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  for (const line of text.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s+(.+?)\s*$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    // comm is a path on macOS: its last part is the name.
    table.set(pid, { pid, ppid: Number(match[2]), start: match[3].replace(/\s+/g, ' '), name: match[4].split('/').pop() ?? match[4] });
  }
  return table;
}

/** This system's reader: `/proc` on Linux (no process started), else one `ps` run, when first asked. */
export function systemProcessReader(platform: NodeJS.Platform = process.platform): ProcessReader {
  if (platform === 'linux') {
    return (pid) => {
      try {
        return parseProcStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return undefined;
      }
    };
  }
  let table: Map<number, ProcessInfo> | undefined;
  return (pid) => {
    table ??= parsePsTable(tryPs());
    return table.get(pid);
  };
}

function tryPs(): string {
  try {
    return execFileSync('ps', ['-A', '-o', 'pid=,ppid=,lstart=,comm='], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  } catch {
    return '';
  }
}

/** The ancestors of process `pid`, its parent first, up to (not including) init. */
export function ancestors(read: ProcessReader, pid: number): ProcessInfo[] {
  const chain: ProcessInfo[] = [];
  let current = read(pid);
  while (current && current.ppid > 1 && chain.length < MAX_DEPTH) {
    const parent = read(current.ppid);
    if (!parent) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

/** The agent tool's process above a hook: its nearest ancestor that is not a shell. */
export function toolProcess(chain: readonly ProcessInfo[]): ProcessInfo | undefined {
  return chain.find((proc) => !SHELLS.has(proc.name));
}

const instancesDir = (cacheDir: string) => join(cacheDir, 'instances');

function parseRecord(text: string): InstanceRecord | undefined {
  try {
    const record = JSON.parse(text) as Partial<InstanceRecord>;
    const valid = typeof record.tool === 'string' && isAgentTool(record.tool) && typeof record.sessionId === 'string' && Number.isInteger(record.pid) && typeof record.start === 'string' && typeof record.at === 'string';
    return valid ? (record as InstanceRecord) : undefined;
  } catch {
    return undefined;
  }
}

const isLive = (record: InstanceRecord, read: ProcessReader) => read(record.pid)?.start === record.start;

/** Whether process `pid` still runs, without starting a process (a signal 0 only checks). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RecordRequest {
  /** The clone's AgentSync cache (`<git common dir>/agentsync`). */
  cacheDir: string;
  tool: AgentTool;
  sessionId: string | undefined;
  /** The hook's own process; its nearest non-shell ancestor is the tool. */
  pid?: number;
  read?: ProcessReader;
  now?: () => Date;
}

/**
 * From a hook: records that the tool process above it runs this session, where
 * the tool's MCP server needs it. Costs one small file read when the record is
 * there and its process runs (every edit after the first); walks the process
 * tree and writes one file only for a session not recorded yet, and then drops
 * the records of processes that have ended.
 */
export async function recordInstance(request: RecordRequest): Promise<void> {
  const { cacheDir, tool, sessionId } = request;
  const agent = instanceAgentId(tool, sessionId);
  if (!recordsInstances(tool) || !sessionId || !agent) return;
  const dir = instancesDir(cacheDir);
  const file = join(dir, agent);
  const known = parseRecord(await readFile(file, 'utf8').catch(() => ''));
  if (known && running(known.pid)) return;
  const read = request.read ?? systemProcessReader();
  const proc = toolProcess(ancestors(read, request.pid ?? process.pid));
  if (!proc) return;
  const record: InstanceRecord = { tool, sessionId, pid: proc.pid, start: proc.start, at: (request.now ?? (() => new Date()))().toISOString() };
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(record)}\n`);
  await readRecords(dir, read);
}

/**
 * {@link recordInstance} for a hook of `tool` running in `cwd`, into that clone's
 * cache. Never throws: a lost record only leaves the MCP server acting as today
 * (the bare tool name, or the identity the environment, git config or branch gives).
 */
export async function recordHookInstance(tool: AgentTool, sessionId: string | undefined, cwd: string): Promise<void> {
  if (!recordsInstances(tool) || !sessionId) return;
  try {
    await recordInstance({ cacheDir: cacheDir(await openRepo(cwd)), tool, sessionId });
  } catch {
    // Not a repository, or a read-only one: nothing to record.
  }
}

/** The live records in `dir`; those of ended processes are deleted (best effort). */
async function readRecords(dir: string, read: ProcessReader): Promise<InstanceRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const records = await Promise.all(names.map(async (name) => ({ name, record: parseRecord(await readFile(join(dir, name), 'utf8').catch(() => '')) })));
  const live: InstanceRecord[] = [];
  for (const { name, record } of records) {
    if (record && isLive(record, read)) live.push(record);
    else await unlink(join(dir, name)).catch(() => undefined);
  }
  return live;
}

export interface LookupRequest {
  cacheDir: string;
  /** The process whose tool session is asked for: the MCP server's own. */
  pid?: number;
  read?: ProcessReader;
}

/**
 * The session of the agent-tool process nearest above `pid` that a hook
 * recorded (the newest when it ran several); undefined when none did, e.g.
 * before the tool's first hook ran.
 */
export async function recordedInstance(request: LookupRequest): Promise<{ tool: AgentTool; sessionId: string } | undefined> {
  const read = request.read ?? systemProcessReader();
  const records = await readRecords(instancesDir(request.cacheDir), read);
  if (records.length === 0) return undefined;
  for (const proc of ancestors(read, request.pid ?? process.pid)) {
    const mine = records.filter((r) => r.pid === proc.pid && r.start === proc.start).sort((a, b) => b.at.localeCompare(a.at));
    if (mine[0]) return { tool: mine[0].tool, sessionId: mine[0].sessionId };
  }
  return undefined;
}
