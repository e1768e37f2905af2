/**
 * The commit messages of refs/agentsync/state writes: written for people (the
 * audit trail reads as `git log refs/agentsync/state`) and read back by
 * `agentsync report`. Formatting and parsing live side by side so a change of
 * wording cannot silently break the counts. Pure.
 */
import type { ClaimMode } from '../domain/state';

/** What a write to the store did, as its message tells it. */
export type StoreMessage =
  | { action: 'start'; agent: string; session: string; tier: number; goal: string; globs: string[] }
  | { action: 'claim'; agent: string; globs: string[]; mode: ClaimMode; session?: string }
  | { action: 'release'; agent: string; globs: string[] }
  | { action: 'end'; agent: string; session: string; summary: string }
  | { action: 'renew'; agent: string; ttl: string }
  | { action: 'note'; agent: string }
  /** An agent tool's edit: the paths it claimed on their first edit (maybe none), and the lease length when it renewed. */
  | { action: 'edit'; agent: string; globs: string[]; ttl?: string };

/** The commit message for a store write. */
export function storeMessage(write: StoreMessage): string {
  switch (write.action) {
    case 'start':
      return `start: ${write.agent} starts ${write.session} (tier ${write.tier}): ${write.goal}${write.globs.length ? `\n\nclaims ${write.globs.join(', ')}` : ''}`;
    case 'claim':
      return `claim: ${write.agent} claims ${write.globs.join(', ')} (${write.mode}${write.session ? `, session ${write.session}` : ''})`;
    case 'release':
      return `release: ${write.agent} releases ${write.globs.join(', ')}`;
    case 'end':
      return `end: ${write.agent} ends ${write.session}: ${write.summary}`;
    case 'renew':
      return `renew: ${write.agent} commits, its leases run ${write.ttl} from now`;
    case 'note':
      return `note: ${write.agent} renews its leases`;
    case 'edit':
      return `edit: ${write.agent} ${write.globs.length ? `claims ${write.globs.join(', ')} on its first edit` : 'edits'}${write.ttl ? `; its leases run ${write.ttl} from now` : ''}`;
  }
}

const globList = (text: string | undefined) => (text ? text.split(', ') : []);

/** Reads a store commit message back; undefined for one {@link storeMessage} did not write (older or hand-made). */
export function parseStoreMessage(message: string): StoreMessage | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^start: (\S+) starts (\S+) \(tier (\d+)\): ([\s\S]*?)(?:\n\nclaims (.*))?$/.exec(message))) {
    return { action: 'start', agent: m[1], session: m[2], tier: Number(m[3]), goal: m[4], globs: globList(m[5]) };
  }
  if ((m = /^claim: (\S+) claims (.*) \((exclusive|shared)(?:, session (\S+))?\)$/.exec(message))) {
    return { action: 'claim', agent: m[1], globs: globList(m[2]), mode: m[3] as ClaimMode, ...(m[4] ? { session: m[4] } : {}) };
  }
  if ((m = /^release: (\S+) releases (.*)$/.exec(message))) return { action: 'release', agent: m[1], globs: globList(m[2]) };
  if ((m = /^end: (\S+) ends (\S+): ([\s\S]*)$/.exec(message))) return { action: 'end', agent: m[1], session: m[2], summary: m[3] };
  if ((m = /^renew: (\S+) commits, its leases run (.*) from now$/.exec(message))) return { action: 'renew', agent: m[1], ttl: m[2] };
  if ((m = /^note: (\S+) renews its leases$/.exec(message))) return { action: 'note', agent: m[1] };
  if ((m = /^edit: (\S+) (?:claims (.*) on its first edit|edits)(?:; its leases run (.*) from now)?$/.exec(message))) {
    return { action: 'edit', agent: m[1], globs: globList(m[2]), ...(m[3] ? { ttl: m[3] } : {}) };
  }
  return undefined;
}
