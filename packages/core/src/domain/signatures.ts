/** Whether a commit's signature backs the agent its `Agent:` trailer names (signed identities, docs/signing.md). */
import type { Finding } from './policy';

/** What git says of a commit's signature: `%G?` (G good, N none, B bad, E cannot check, ...) and `%GS`, the principal. */
export interface SignatureCheck {
  status: string;
  principal?: string;
}

/**
 * Whether a commit's `Agent:` trailer is backed by a good signature of that
 * agent's key: a finding when it names an agent the signature does not
 * prove. A commit with no trailer makes no claim to check.
 */
export function signatureFinding(agent: string | undefined, check: SignatureCheck | undefined): Finding | undefined {
  if (!agent) return undefined;
  const hint = `Sign commits with ${agent}'s key (git config gpg.format ssh, user.signingKey, commit.gpgSign true; see docs/signing.md), or drop the Agent: trailer.`;
  if (check?.status === 'G' && check.principal === agent) return undefined;
  const why =
    !check || check.status === 'N'
      ? 'the commit is not signed'
      : check.status === 'G' || check.status === 'U'
        ? `it is signed by ${check.principal ? `"${check.principal}"` : 'a key of no listed agent'}`
        : `its signature does not verify (git %G? is ${check.status})`;
  return { level: 'block', rule: 'identity', message: `Agent: ${agent} is not backed by ${agent}'s signature: ${why}`, hint };
}
