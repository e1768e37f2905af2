#!/usr/bin/env node
/**
 * The README's main job: a scripted two-agent scenario in a throwaway repository,
 * printed as a readable transcript. Agents "alice" and "bob" work in two
 * worktrees of one clone, each on its own branch: alice claims src/api/**, bob
 * is refused and his commit is blocked by the pre-commit hook, alice hands off,
 * and bob goes on. The hooks are the ones `agentsync init` installs; `agentsync`
 * is on the demo's PATH as a global install would put it.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/cli/bin/agentsync.js');
const root = realpathSync(mkdtempSync(join(tmpdir(), 'agentsync-demo-')));
const repo = join(root, 'repo');
const worktrees = { you: repo, alice: join(root, 'alice'), bob: join(root, 'bob') };
// `agentsync` on PATH, as `npm install --global @agentsync/cli` puts it: what the hooks init writes call.
const bin = join(root, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'agentsync'), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
const env = {
  // Colors off, and no inherited FORCE_COLOR for Node to warn about next to NO_COLOR.
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(AGENTSYNC|CLAUDE|CODEX|GEMINI|COPILOT|FORCE_COLOR|NO_COLOR)/.test(key))),
  PATH: `${bin}${delimiter}${process.env.PATH}`,
  GIT_AUTHOR_NAME: 'Demo',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
  NO_COLOR: '1',
};

const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text);
const say = (text) => console.log(`\n${bold(`# ${text}`)}`);

/** Runs a command in the demo repo, echoing it and its output like a terminal. */
function sh(who, command, args, expectCode = 0) {
  const shown = [command === process.execPath ? 'agentsync' : command, ...(command === process.execPath ? args.slice(1) : args)];
  console.log(`${who}$ ${shown.map((a) => (/[\s*"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);
  // stdout and stderr share one file so the transcript keeps their order.
  const log = join(root, 'output.log');
  const fd = openSync(log, 'w');
  const result = spawnSync(command, args, {
    cwd: worktrees[who],
    env: { ...env, ...(who === 'you' ? {} : { AGENTSYNC_AGENT: who }) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const output = readFileSync(log, 'utf8').trimEnd();
  if (output) console.log(output.replace(/^/gm, '  '));
  if (result.status !== expectCode) {
    console.error(`\nThe demo expected exit ${expectCode} but got ${result.status}.`);
    process.exit(1);
  }
  console.log(`  ${bold(`(exit ${result.status})`)}`);
}
const agentsync = (who, args, expectCode) => sh(who, process.execPath, [cli, ...args], expectCode);
const write = (path, content, who = 'you') => {
  mkdirSync(dirname(join(worktrees[who], path)), { recursive: true });
  writeFileSync(join(worktrees[who], path), content);
};

try {
  say(`A throwaway repository in ${repo}, seeded with a package.json, one source file (src/api/users.ts)
#   and one health check (users-api: does src/api/users.ts still export users?); then agentsync init`);
  mkdirSync(repo);
  sh('you', 'git', ['init', '-q', '-b', 'main']);
  write('package.json', `${JSON.stringify({ name: 'demo', private: true }, null, 2)}\n`);
  write('src/api/users.ts', 'export const users = [];\n');
  // One health check, so sessions record a baseline and handoffs are checked; it says why it fails.
  const check = { name: 'users-api', run: "grep -q 'export const users' src/api/users.ts || { echo 'src/api/users.ts no longer exports users'; exit 1; }" };
  write('.agentsync.json', `${JSON.stringify({ health: { commands: [check] } }, null, 2)}\n`);
  // The hooks init installs: .agentsync/hooks, core.hooksPath pointing there, found in every worktree.
  agentsync('you', ['init']);
  sh('you', 'git', ['config', 'core.hooksPath']);
  sh('you', 'git', ['add', '-A']);
  sh('you', 'git', ['commit', '-q', '-m', 'Set up AgentSync']);

  say('Each agent gets its own worktree and branch; claims are shared by all worktrees');
  sh('you', 'git', ['worktree', 'add', '-q', '-b', 'alice/rate-limits', worktrees.alice]);
  sh('you', 'git', ['worktree', 'add', '-q', '-b', 'bob/users', worktrees.bob]);

  say('alice starts a session and claims the API');
  agentsync('alice', ['start', '--goal', 'Add rate limits to the users API', '--tier', '2', '--claim', 'src/api/**']);

  say("bob wants the same file: his claim is refused, naming alice");
  agentsync('bob', ['claim', 'src/api/users.ts'], 1);

  say('bob edits it anyway; the pre-commit hook stops the commit');
  write('src/api/users.ts', 'export const users = ["bob was here"];\n', 'bob');
  sh('bob', 'git', ['commit', '-q', '-am', 'Touch users'], 1);
  sh('bob', 'git', ['checkout', '--', 'src/api/users.ts']);

  say('alice writes down partial work, commits, and hands off');
  agentsync('alice', ['note', 'Rate limiter in place; per-route limits still to do']);
  write('src/api/users.ts', 'export const users = [];\nexport const rateLimit = 100;\n', 'alice');
  sh('alice', 'git', ['commit', '-q', '-am', 'Add a rate limit to the users API']);
  sh('alice', 'git', ['log', '-1', '--format=%B']);
  agentsync('alice', ['end', '--summary', 'Rate limiting for the users API', '--next', 'Per-route limits in src/api/routes.ts', '--tokens', '5200']);

  say('alice has released her claims: now bob can claim the file');
  agentsync('bob', ['claim', 'src/api/users.ts']);
  agentsync('bob', ['status']);

  say('bob starts a session (green baseline), then breaks the check: health names the regression');
  agentsync('bob', ['start', '--goal', 'Rename the users export', '--tier', '1']);
  write('src/api/users.ts', 'export const people = [];\n', 'bob');
  agentsync('bob', ['health'], 1);
  agentsync('bob', ['end', '--summary', 'Renamed users to people'], 1);

  say('AgentTracker.md now holds the handoff for whoever comes next (excerpt)');
  const tracker = readFileSync(join(worktrees.alice, 'AgentTracker.md'), 'utf8');
  const handoff = tracker.slice(tracker.indexOf('### Handoff'));
  console.log(handoff.split('\n').slice(0, 12).map((line) => `  ${line}`).join('\n'));
  say('The audit trail is plain git: git log refs/agentsync/state');
  sh('you', 'git', ['log', '--format=%an: %s', 'refs/agentsync/state']);
  console.log('\nDemo finished: every step behaved as expected.');
} finally {
  rmSync(root, { recursive: true, force: true });
}
