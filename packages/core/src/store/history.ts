/**
 * The store's refs read as history: each write to refs/agentsync/state and each
 * audit record is a commit, so `git log` over them is the coordination's past.
 * Read by `agentsync verify` (the state in force at a commit's time) and by
 * `agentsync report` (the events to count).
 */
import { git, type Repo } from '../git/git';
import { LOG_FIELD, LOG_RECORD, logRecords } from '../git/log';
import { AUDIT_REF, OFFLINE_AUDIT_REF, STATE_REF } from './store';

/** One commit of a store ref: its time (ms), who wrote it (the author name) and its message. */
export interface StoreRecord {
  commit: string;
  time: number;
  actor: string;
  message: string;
}

/** The commits of `refs` (the newest `limit` of them), newest first; a ref this clone lacks has none. */
async function records(repo: Repo, refs: readonly string[], limit?: number): Promise<StoreRecord[]> {
  const format = `--format=%H${LOG_FIELD}%ct${LOG_FIELD}%an${LOG_FIELD}%B${LOG_RECORD}`;
  const out = await git(['log', '--ignore-missing', ...(limit ? [`-n${limit}`] : []), format, ...refs, '--'], { cwd: repo.root }).catch(() => '');
  return logRecords(out).map(([commit, time, actor, message]) => ({ commit, time: Number(time) * 1000, actor, message: message.trim() }));
}

/** Every write to refs/agentsync/state, oldest first. */
export async function readStoreHistory(repo: Repo): Promise<StoreRecord[]> {
  return (await records(repo, [STATE_REF])).reverse();
}

/** Every audit record (AGENTSYNC_SKIP uses and refusals, see ./audit-records), online and offline, newest first; the newest `limit` only, if given. */
export function readAuditRecords(repo: Repo, limit?: number): Promise<StoreRecord[]> {
  return records(repo, [AUDIT_REF, OFFLINE_AUDIT_REF], limit);
}
