/**
 * Writing audit records: published through the coordination remote like the
 * state, so the team and CI see them, and kept in this clone's
 * refs/agentsync/audit-offline when the host cannot be reached. Refusals are
 * recorded here, best effort: a record that cannot be written changes nothing
 * about the refusal itself.
 */
import type { AgentSyncConfig } from '../config/schema';
import type { Repo } from '../git/git';
import { refusalKey, parseRefusalRecord, refusalRecord, type Refusal } from './audit-records';
import { readAuditRecords } from './history';
import { refreshRef, remoteOptions, withNetworkDeadline, type RemoteOptions } from './remote';
import { appendAudit, AUDIT_REF, OFFLINE_AUDIT_REF } from './store';

/**
 * Appends `record` to refs/agentsync/audit, through `remote` when one is set
 * and `online`. When that fails (the host unreachable, or known to be:
 * `online` false; other writers winning every try), the record goes to this
 * clone's refs/agentsync/audit-offline, apart from the fetched audit ref.
 */
export async function publishAudit(repo: Repo, actor: string, record: string, remote: RemoteOptions | undefined, online = true): Promise<void> {
  if (!remote) return appendAudit(repo, actor, record);
  if (online) {
    try {
      return await appendAudit(repo, actor, record, remote);
    } catch {
      // Kept in this clone instead: an audit record must not depend on the network.
    }
  }
  await appendAudit(repo, actor, record, undefined, OFFLINE_AUDIT_REF);
}

/** The same refusal again within this long (an agent tool retrying an edit in a loop) is not recorded again. */
export const REFUSAL_REPEAT_MS = 10 * 60_000;
/** How many of the newest audit records are looked at for a repeat: a loop's records are the newest. */
const REPEAT_LOOKBACK = 50;

/** Whether the same refusal (kind, agent, paths, holders' claims) was recorded within {@link REFUSAL_REPEAT_MS} before this one. */
async function isRepeat(repo: Repo, refusal: Refusal): Promise<boolean> {
  const key = refusalKey(refusal);
  const at = Date.parse(refusal.at);
  for (const { message } of await readAuditRecords(repo, REPEAT_LOOKBACK)) {
    const earlier = parseRefusalRecord(message);
    if (!earlier || refusalKey(earlier) !== key) continue;
    const ago = at - Date.parse(earlier.at);
    if (ago >= 0 && ago < REFUSAL_REPEAT_MS) return true;
  }
  return false;
}

/**
 * How long recording a refusal may talk to the host. The refusal waits for it,
 * and an agent tool's hook has 30 s in all, after which some tools let the
 * refused edit through (docs/agent-tools.md).
 */
export const REFUSAL_NETWORK_MS = 2_500;

/**
 * Records a refusal on another agent's claim in the audit log (through the
 * config's coordination remote, if any), unless it
 * repeats one recorded within {@link REFUSAL_REPEAT_MS}. Best effort: never
 * throws. A host that failed to answer within the freshness window is not asked
 * again, and one that does not take the record within {@link REFUSAL_NETWORK_MS}
 * is given up on: the record goes to audit-offline, written locally.
 */
export async function recordRefusal(repo: Repo, config: AgentSyncConfig, refusal: Refusal): Promise<void> {
  try {
    const remote = remoteOptions(config);
    if (refusal.conflicts.length === 0 || (await isRepeat(repo, refusal))) return;
    await withNetworkDeadline(REFUSAL_NETWORK_MS, async () => {
      const online = remote ? await refreshRef(repo, remote, AUDIT_REF).then(() => true, () => false) : true;
      await publishAudit(repo, refusal.agent, refusalRecord(refusal), remote, online);
    });
  } catch {
    // Best effort: the refusal stands as it is, recorded or not.
  }
}
