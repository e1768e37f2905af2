import { describe, expect, it } from 'vitest';
import { configSchema, type AgentSyncConfigInput } from '../config/schema';
import { claimFindings, evaluateCommit, gateFindings, hotFileFindings, sessionFindings, showPath, type CommitFacts } from './policy';
import type { Claim, Session, State } from './state';
import { at, claimOf, HOUR, NOW, sessionOf } from './state.fixtures';


function facts(input: {
  config?: AgentSyncConfigInput;
  claims?: Claim[];
  sessions?: Session[];
  agent?: string;
  paths?: string[];
  extra?: Partial<CommitFacts>;
}): CommitFacts {
  const state: State = { version: 1, claims: input.claims ?? [], sessions: input.sessions ?? [] };
  return {
    config: configSchema.parse(input.config ?? {}),
    state,
    now: NOW,
    agent: input.agent,
    paths: input.paths ?? [],
    ...input.extra,
  };
}

describe('claimFindings', () => {
  const claims = [claimOf('codex', 'src/api', { session: 's-codex' })];
  const sessions = [sessionOf('codex', 2)];

  it("blocks an agent on another agent's live exclusive claim, naming path, holder, glob, goal and expiry", () => {
    const found = claimFindings(facts({ claims, sessions, agent: 'claude', paths: ['src/api/a.ts', 'docs/b.md'] }));
    expect(found).toEqual([
      {
        level: 'block',
        rule: 'claims',
        paths: ['src/api/a.ts'],
        message: `src/api/a.ts is claimed by codex (src/api, goal: codex's goal, expires in 1h 0m)`,
        hint: expect.stringContaining('Ask codex to release it'),
      },
    ]);
  });

  it('passes the holder itself, shared claims and expired claims', () => {
    expect(claimFindings(facts({ claims, agent: 'codex', paths: ['src/api/a.ts'] }))).toEqual([]);
    const other = [claimOf('codex', 'src/**', { mode: 'shared' }), claimOf('gemini', 'src/**', { expiresAt: at(-1) })];
    expect(claimFindings(facts({ claims: other, agent: 'claude', paths: ['src/a.ts'] }))).toEqual([]);
  });

  it('warns a person, and blocks one with claims.blockHumans', () => {
    expect(claimFindings(facts({ claims, paths: ['src/api/a.ts'] })).map((f) => f.level)).toEqual(['warn']);
    const strict = facts({ config: { claims: { blockHumans: true } }, claims, paths: ['src/api/a.ts'] });
    expect(claimFindings(strict).map((f) => f.level)).toEqual(['block']);
  });

  it('quotes a path whose control characters could forge or hide a line', () => {
    expect(showPath('a b/c.ts')).toBe('a b/c.ts');
    expect(showPath('a\nb')).toBe('"a\\nb"');
    expect(showPath('x\u001b[2Ky')).toBe('"x\\u001b[2Ky"');
    const found = claimFindings(facts({ claims, agent: 'claude', paths: ['src/api/evil\nfile'] }));
    expect(found[0].message).toMatch(/^"src\/api\/evil\\nfile" is claimed by codex/);
  });
});

describe('hotFileFindings', () => {
  const config = { hotFiles: [{ path: 'package.json', maxChangedLines: 10 }, { path: 'src/registry.ts', requireClaim: true }, 'README.md'] };

  it('blocks an edit over the limit with its count and limit; at the limit and unknown counts pass', () => {
    const lines = (n: number) => ({ changedLines: new Map([['package.json', n], ['README.md', 201]]) });
    const over = hotFileFindings(facts({ config, agent: 'claude', paths: ['package.json', 'README.md'], extra: lines(11) }));
    expect(over.map((f) => f.message)).toEqual([
      'package.json is a hot file: 11 changed lines, the limit is 10 (hotFiles package.json)',
      'README.md is a hot file: 201 changed lines, the limit is 200 (hotFiles README.md)',
    ]);
    expect(hotFileFindings(facts({ config, agent: 'claude', paths: ['package.json'], extra: lines(10) }))).toEqual([]);
    expect(hotFileFindings(facts({ config, agent: 'claude', paths: ['package.json'] }))).toEqual([]);
  });

  it('requires the committer to hold a live claim on a requireClaim hot file; a person is warned', () => {
    const paths = ['src/registry.ts'];
    expect(hotFileFindings(facts({ config, agent: 'claude', paths }))).toEqual([
      expect.objectContaining({ level: 'block', message: expect.stringContaining('needs a claim before it is edited') }),
    ]);
    expect(hotFileFindings(facts({ config, agent: 'claude', paths, claims: [claimOf('claude', 'src/**', { mode: 'shared' })] }))).toEqual([]);
    expect(hotFileFindings(facts({ config, agent: 'claude', paths, claims: [claimOf('claude', 'src/**', { expiresAt: at(-1) })] }))).toHaveLength(1);
    expect(hotFileFindings(facts({ config, paths })).map((f) => f.level)).toEqual(['warn']);
  });
});

describe('gateFindings', () => {
  const config: AgentSyncConfigInput = {
    gates: [
      { paths: ['infra/**'], risk: 'high', description: 'production' },
      { paths: ['db/**'], risk: 'low', requires: 'approval' },
    ],
  };

  it("blocks a path gated above what the agent's session tier allows", () => {
    const found = gateFindings(facts({ config, agent: 'claude', sessions: [sessionOf('claude', 2)], paths: ['infra/a.tf', 'infra/b.tf'] }));
    expect(found).toEqual([
      expect.objectContaining({
        level: 'block',
        rule: 'gates',
        paths: ['infra/a.tf', 'infra/b.tf'],
        message: "infra/a.tf, infra/b.tf: gated at risk high (production); claude's tier 2 allows up to medium",
      }),
    ]);
    expect(gateFindings(facts({ config, agent: 'claude', sessions: [sessionOf('claude', 3)], paths: ['infra/a.tf'] }))).toEqual([]);
  });

  it('gives an agent without a session tier 1, honours a recorded tier and custom tiers, and leaves people to approvals', () => {
    expect(gateFindings(facts({ config, agent: 'claude', paths: ['infra/a.tf'] }))[0].message).toContain('tier 1 (no session) allows up to low');
    expect(gateFindings(facts({ config, agent: 'claude', paths: ['infra/a.tf'], extra: { tier: 4 } }))).toEqual([]);
    const custom = { ...config, tiers: { '1': { maxRisk: 'critical' as const } } };
    expect(gateFindings(facts({ config: custom, agent: 'claude', paths: ['infra/a.tf'] }))).toEqual([]);
    expect(gateFindings(facts({ config, paths: ['infra/a.tf'] }))).toEqual([]);
  });

  it('asks for a non-empty Approved-by trailer only where the message is known', () => {
    const gated = { config, agent: 'claude', sessions: [sessionOf('claude', 4)], paths: ['db/schema.sql'] };
    expect(gateFindings(facts(gated))).toEqual([]);
    expect(gateFindings(facts({ ...gated, extra: { trailers: [{ key: 'Approved-by', value: '' }] } }))).toEqual([
      expect.objectContaining({ rule: 'approval', message: 'db/schema.sql: gated at risk low and needs approval' }),
    ]);
    expect(gateFindings(facts({ ...gated, extra: { trailers: [{ key: 'approved-by', value: 'Dana <d@x>' }] } }))).toEqual([]);
    expect(gateFindings(facts({ paths: ['db/x'], config, extra: { trailers: [] } })).map((f) => f.rule)).toEqual(['approval']);
  });
});

describe('sessionFindings', () => {
  it('blocks an agent with no session under sessions.required, never a person', () => {
    const config = { sessions: { required: true } };
    expect(sessionFindings(facts({ config, agent: 'claude' })).map((f) => f.rule)).toEqual(['sessions']);
    expect(sessionFindings(facts({ config, agent: 'claude', sessions: [sessionOf('claude', 1)] }))).toEqual([]);
    expect(sessionFindings(facts({ config, agent: 'claude', sessions: [sessionOf('claude', 1, { expiresAt: at(-1) })] }))).toHaveLength(1);
    expect(sessionFindings(facts({ config }))).toEqual([]);
  });

  it('warns about a branch outside the pattern, blocks with enforce "block", ignores case and detached HEAD', () => {
    const branch = (name: string | undefined, enforce: 'warn' | 'block' = 'warn') =>
      sessionFindings(facts({ config: { branches: { enforce } }, agent: 'claude', extra: { branch: name } }));
    expect(branch('main')).toEqual([
      expect.objectContaining({ level: 'warn', rule: 'branches', hint: 'Work on a branch such as claude/my-feature.' }),
    ]);
    expect(branch('main', 'block').map((f) => f.level)).toEqual(['block']);
    expect(branch('claude/x')).toEqual([]);
    expect(branch('Claude/x')).toEqual([]);
    expect(branch('codex/x')).toHaveLength(1);
    expect(branch(undefined)).toEqual([]);
  });

  it('blocks a session started on a red baseline unless it is fixing it', () => {
    const baseline = { tree: 't', status: 'red' as const, failing: ['test'], at: at(-HOUR) };
    const red = sessionFindings(facts({ agent: 'claude', sessions: [sessionOf('claude', 2, { baseline })], extra: { branch: 'claude/x' } }));
    expect(red).toEqual([expect.objectContaining({ level: 'block', rule: 'baseline', message: expect.stringContaining('failing: test') })]);
    const fixing = [sessionOf('claude', 2, { baseline, fixingBaseline: true })];
    expect(sessionFindings(facts({ agent: 'claude', sessions: fixing, extra: { branch: 'claude/x' } }))).toEqual([]);
  });
});

it('evaluateCommit reports claims, hot files, gates, then sessions', () => {
  const found = evaluateCommit(
    facts({
      config: { hotFiles: [{ path: 'a', requireClaim: true }], gates: [{ paths: ['a'], risk: 'critical' }], sessions: { required: true } },
      claims: [claimOf('codex', 'a')],
      agent: 'claude',
      paths: ['a'],
      extra: { branch: 'claude/x' },
    }),
  );
  expect(found.map((f) => f.rule)).toEqual(['claims', 'hot-files', 'gates', 'sessions']);
});
