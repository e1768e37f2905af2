/**
 * The records of refs/agentsync/audit (and audit-offline): AGENTSYNC_SKIP uses
 * and refusals. Written for people (`git log refs/agentsync/audit`) and read
 * back by `agentsync verify` and `agentsync report`; formatting and parsing
 * live side by side so a change of wording cannot silently break the counts.
 * User text (reasons, paths, globs) is made inert: it cannot forge a line of
 * the record. Pure.
 */
import { showPath } from '../domain/policy';
import type { HookName } from '../hooks/run-hook';

/** What was refused: a claim (`claim`, `start --claim`, MCP), a commit (pre-commit), an agent tool's edit. */
export type RefusalKind = 'claim' | 'commit' | 'edit';

/** One path or glob refused, and the claim of another agent that refused it. */
export interface RefusedPath {
  /** The glob or path asked for (claimed, committed, edited). */
  requested: string;
  holder: string;
  /** The holder's glob. */
  glob: string;
  /** When the holder's lease was due to run out, as the refusal saw it. */
  expiresAt?: string;
}

/** A refusal on another agent's claim, as an audit record keeps it. */
export interface Refusal {
  kind: RefusalKind;
  /** Who was refused: an agent id, or `person`. */
  agent: string;
  /** ISO time of the refusal. */
  at: string;
  conflicts: readonly RefusedPath[];
  /** Conflicts beyond {@link MAX_RECORDED_CONFLICTS}, counted but not kept. */
  omitted?: number;
}

/** A commit of thousands of claimed files is one refusal: its record keeps the first ones. */
export const MAX_RECORDED_CONFLICTS = 20;

/** On one line: newlines and other control characters become spaces. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();

/** The record of a hook skipped with AGENTSYNC_SKIP: the reason on one line, then where it happened. */
export function skipRecord(skip: { hook: HookName; actor: string; reason?: string; branch?: string; head: string; detail?: string }): string {
  const reason = skip.reason ? oneLine(skip.reason) : '';
  return `skip ${skip.hook} by ${skip.actor}: ${reason || '(no reason given)'}\n\nbranch: ${skip.branch ?? '(detached)'}\nhead: ${skip.head}\n${skip.detail ?? ''}`;
}

/** Whether an audit record is an AGENTSYNC_SKIP use ({@link skipRecord}). */
export const isSkipRecord = (message: string) => /^skip (pre-commit|commit-msg|pre-push) by \S+: /.test(message);

const REFUSAL_SUBJECT = 'refusal: ';
const KINDS: readonly RefusalKind[] = ['claim', 'commit', 'edit'];

/**
 * The record of a refusal: a subject for people, then the refusal as one line
 * of JSON (which escapes every control character), the part {@link parseRefusalRecord} reads.
 */
export function refusalRecord(refusal: Refusal): string {
  // Only these fields: a claim's goal is the holder's text, and not the refusal's.
  const kept = refusal.conflicts.slice(0, MAX_RECORDED_CONFLICTS).map(({ requested, holder, glob, expiresAt }) => ({ requested, holder, glob, ...(expiresAt ? { expiresAt } : {}) }));
  const omitted = (refusal.omitted ?? 0) + refusal.conflicts.length - kept.length;
  const holders = [...new Set(refusal.conflicts.map((c) => c.holder))].join(', ');
  const first = refusal.conflicts[0] ? showPath(refusal.conflicts[0].requested) : '(nothing)';
  const more = refusal.conflicts.length + (refusal.omitted ?? 0) - 1;
  const subject = `${REFUSAL_SUBJECT}${refusal.agent} refused ${refusal.kind} of ${first}${more > 0 ? ` and ${more} more` : ''} (held by ${holders})`;
  const data: Refusal = { kind: refusal.kind, agent: refusal.agent, at: refusal.at, conflicts: kept, ...(omitted > 0 ? { omitted } : {}) };
  return `${subject}\n\n${JSON.stringify(data)}`;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** Reads a refusal record back; undefined for any other record (a skip, a hand-made one, a damaged one). */
export function parseRefusalRecord(message: string): Refusal | undefined {
  if (!message.startsWith(REFUSAL_SUBJECT)) return undefined;
  let data: Partial<Refusal> | undefined;
  try {
    data = JSON.parse(message.slice(message.lastIndexOf('\n') + 1)) as Partial<Refusal>;
  } catch {
    return undefined;
  }
  if (!data || !KINDS.includes(data.kind as RefusalKind) || !isString(data.agent) || !isString(data.at) || Number.isNaN(Date.parse(data.at))) return undefined;
  if (!Array.isArray(data.conflicts)) return undefined;
  const conflicts: RefusedPath[] = [];
  for (const c of data.conflicts as Array<Partial<RefusedPath>>) {
    if (!c || !isString(c.requested) || !isString(c.holder) || !isString(c.glob)) return undefined;
    conflicts.push({ requested: c.requested, holder: c.holder, glob: c.glob, ...(isString(c.expiresAt) ? { expiresAt: c.expiresAt } : {}) });
  }
  const omitted = typeof data.omitted === 'number' && data.omitted > 0 ? { omitted: data.omitted } : {};
  return { kind: data.kind as RefusalKind, agent: data.agent, at: data.at, conflicts, ...omitted };
}

/** What makes two refusals the same one repeated: kind, who, and each path with its holder's claim. */
export function refusalKey(refusal: Pick<Refusal, 'kind' | 'agent' | 'conflicts'>): string {
  const conflicts = refusal.conflicts.slice(0, MAX_RECORDED_CONFLICTS).map((c) => [c.requested, c.holder, c.glob]);
  return JSON.stringify([refusal.kind, refusal.agent, conflicts.sort((a, b) => (a.join('\0') < b.join('\0') ? -1 : 1))]);
}
