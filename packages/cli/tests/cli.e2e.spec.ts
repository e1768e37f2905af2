import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MERGE_DRIVER_COMMAND } from '@agentsync/core/merge-driver';
import { agentsync, cleanEnv, CLI, makeBareRemote, makeRepo, makeTemp, type TestRepo } from './fixture';
import { json, run, STACK_LINE, stateWrites } from './e2e';

describe('agent identity', () => {
  /** Who the CLI acts as: `release --all` of nothing writes nothing and names the agent. */
  const whoami = async (repo: TestRepo, env: NodeJS.ProcessEnv = {}, flag: string[] = []) => {
    const r = await run(repo.dir, ['release', '--all', '--json', ...flag], { env });
    return r.code === 0 ? JSON.parse(r.stdout).agent : r;
  };

  it('takes --agent, then AGENTSYNC_AGENT, then git config, then the branch, then the detected tool', async () => {
    const repo = await makeRepo();
    await repo.git(['checkout', '-q', '-b', 'claude/x']);
    await repo.git(['config', 'agentsync.agent', 'Cfg-Agent']);
    const tool = { CODEX_THREAD_ID: 't-1' };
    expect(
      await Promise.all([
        whoami(repo, { ...tool, AGENTSYNC_AGENT: 'env-agent' }, ['--agent', 'flag-agent']),
        whoami(repo, { ...tool, AGENTSYNC_AGENT: 'env-agent' }),
        whoami(repo, tool),
      ]),
    ).toEqual(['flag-agent', 'env-agent', 'cfg-agent']);
    await repo.git(['config', '--unset', 'agentsync.agent']);
    expect(await whoami(repo, tool)).toBe('claude');
    await repo.git(['checkout', '-q', 'main']);
    expect(await whoami(repo, tool)).toBe('codex');
    expect(await stateWrites(repo.dir)).toBe(0);
  });

  it('detects Claude Code, Codex, Gemini CLI and Copilot from their environment', async () => {
    const repo = await makeRepo();
    const found = await Promise.all(
      [{ CLAUDECODE: '1' }, { CLAUDE_CODE_ENTRYPOINT: 'cli' }, { CODEX_SANDBOX: 'seatbelt' }, { GEMINI_CLI: '1' }, { COPILOT_AGENT_SESSION_ID: 'x' }].map(
        (env) => whoami(repo, env),
      ),
    );
    expect(found).toEqual(['claude', 'claude', 'codex', 'gemini', 'copilot']);
  });

  it('without an identity exits 2 naming the four ways to set one; two tools at once are no identity', async () => {
    const repo = await makeRepo();
    await repo.git(['checkout', '-q', '-b', 'feature/login']);
    for (const env of [{}, { CLAUDECODE: '1', GEMINI_CLI: '1' }]) {
      const r = await whoami(repo, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('No agent identity');
      for (const way of ['--agent ID', 'AGENTSYNC_AGENT=ID', 'git config agentsync.agent ID', 'a branch named `ID/feature`']) {
        expect(r.stderr).toContain(way);
      }
    }
  });

  it('an invalid id is exit 2 naming where it came from', async () => {
    const repo = await makeRepo();
    const r = await whoami(repo, { AGENTSYNC_AGENT: 'no spaces' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid agent id "no spaces" from AGENTSYNC_AGENT');
  });
});

describe('unusual repositories', () => {
  it('works in a repository with no commits', async () => {
    const repo = await makeRepo({ empty: true });
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'alice'])).code).toBe(0);
    const [status, blocked, free, started] = await Promise.all([
      run(repo.dir, ['status', '--json']),
      run(repo.dir, ['check', 'src/a.ts', '--agent', 'bob']),
      run(repo.dir, ['check', 'src/a.ts', '--agent', 'alice']),
      run(repo.dir, ['start', '--goal', 'first commit', '--tier', '1', '--claim', 'docs', '--agent', 'bob']),
    ]);
    expect(json(status).claims).toContainEqual(expect.objectContaining({ holder: 'alice', glob: 'src' }));
    expect(blocked.code).toBe(1);
    expect(free.code).toBe(0);
    expect(started.code, started.stderr).toBe(0);
    repo.write('src/a.ts', 'x\n');
    await repo.git(['add', 'src/a.ts']);
    const staged = await run(repo.dir, ['check', '--staged', '--agent', 'bob']);
    expect(staged.code).toBe(1);
    expect(staged.stdout).toContain('src/a.ts: claimed by alice');
    const ended = await run(repo.dir, ['end', '--summary', 'scaffold', '--agent', 'bob']);
    expect(ended.code, ended.stderr).toBe(0);
    expect(await repo.git(['log', '--format=%s'])).toContain('agentsync: handoff from bob: scaffold');
  });

  it('works in detached HEAD', async () => {
    const repo = await makeRepo();
    await repo.git(['checkout', '-q', '--detach']);
    const started = await run(repo.dir, ['start', '--goal', 'bisect', '--tier', '1', '--claim', 'src', '--agent', 'alice']);
    expect(started.code, started.stderr).toBe(0);
    const { sessions } = json(await run(repo.dir, ['status', '--json']));
    expect(sessions[0].branch).toBeUndefined();
    expect((await run(repo.dir, ['status'])).stdout).toContain('(detached)  bisect');
    expect(readFileSync(join(repo.dir, 'AgentTracker.md'), 'utf8')).toContain('| bisect | 1 | (detached) |');
  });

  it('outside a git repository exits 2; AGENTSYNC_DEBUG=1 adds the stack', async () => {
    const dir = makeTemp('plain');
    const env = { GIT_CEILING_DIRECTORIES: dirname(dir) };
    const results = await Promise.all(['status', 'claim x --agent a', 'check x', 'start --goal g --tier 1 --agent a'].map((args) => run(dir, args.split(' '), { env })));
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`Not a git repository: ${dir}`);
    }
    const debug = await agentsync(['status'], { cwd: dir, env: { ...env, AGENTSYNC_DEBUG: '1' } });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it('a corrupt coordination store is exit 2 naming the ref', async () => {
    const repo = await makeRepo();
    repo.write('.git/bad-state', '{"version": 1, "claims": [');
    const blob = (await repo.git(['hash-object', '-w', '.git/bad-state'])).trim();
    const env = { GIT_INDEX_FILE: join(repo.dir, '.git/bad-index') };
    await repo.git(['update-index', '--add', '--cacheinfo', `100644,${blob},state.json`], env);
    const tree = (await repo.git(['write-tree'], env)).trim();
    const commit = (await repo.git(['commit-tree', tree, '-m', 'bad'])).trim();
    await repo.git(['update-ref', 'refs/agentsync/state', commit]);

    const results = await Promise.all([run(repo.dir, ['status']), run(repo.dir, ['claim', 'x', '--agent', 'a'])]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('The coordination store at refs/agentsync/state is corrupt: state.json is not valid JSON');
      expect(r.stderr).toContain('git log -p refs/agentsync/state');
    }
  });
});

describe('usage', () => {
  it('unknown commands and options exit 2; --help on every command exits 0', async () => {
    const repo = await makeRepo();
    const [usage, unknown, option, missing, none] = await Promise.all([
      run(repo.dir, ['--help']),
      run(repo.dir, ['frobnicate']),
      run(repo.dir, ['claim', 'x', '--frob']),
      run(repo.dir, ['start', '--goal']),
      run(repo.dir, []),
    ]);
    expect(usage.code).toBe(0);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('agentsync: claim: unknown option --frob.');
    expect(missing.code).toBe(2);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: agentsync <command>');

    // Every command the usage lists, so a new command is covered the day it is added.
    const commands = [...usage.stdout.split('Commands:\n')[1].split('\n\n')[0].matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    expect(commands).toEqual(expect.arrayContaining(['init', 'start', 'claim', 'release', 'status', 'check', 'note', 'health', 'end', 'hook']));
    const helps = await Promise.all(commands.map((command) => run(repo.dir, [command, '--help'])));
    for (const [i, r] of helps.entries()) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Usage: agentsync ${commands[i]}`);
    }
  });

  it('bad arguments exit 2 saying which and writing nothing', async () => {
    const repo = await makeRepo();
    const cases: Array<[string[], string]> = [
      [['start', '--tier', '2'], 'needs --goal'],
      [['start', '--goal', 'g'], 'needs --tier'],
      [['start', '--goal', 'g', '--tier', 'two'], 'Invalid --tier "two": the tier is 1, 2, 3 or 4.'],
      [['start', '--goal', 'g', '--tier', '5'], 'Invalid --tier "5": the tier is 1, 2, 3 or 4.'],
      [['start', '--goal', 'g', '--tier', '2.5'], 'Invalid --tier "2.5": the tier is 1, 2, 3 or 4.'],
      [['status', '--bogus'], 'agentsync: status: unknown option --bogus.'],
      [['start', '--goal'], 'agentsync: start: --goal needs a value.'],
      [['end', '--summary', 's', '--tokens', '-5'], 'agentsync: end: --tokens -5: a value that starts with "-" reads as an option; write --tokens=-5.'],
      [['end', '--summary', 's', '--tokens=-5'], 'Invalid --tokens "-5"'],
      [['claim', 'x', '--ttl', '5q'], 'Invalid ttl "5q": expected a positive number of seconds'],
      [['start', '--goal', 'g', '--tier', '0x2'], 'Invalid --tier "0x2": the tier is 1, 2, 3 or 4.'],
      [['start', '--goal', 'g', '--tier', '2e0'], 'Invalid --tier "2e0": the tier is 1, 2, 3 or 4.'],
      [['start', '--goal', 'g', '--tier', '1', '--claim', '../up'], 'Claim "../up" leaves the repository'],
      [['claim'], 'needs at least one glob'],
      [['claim', '/etc/passwd'], 'Claim "/etc/passwd" is an absolute path'],
      [['claim', 'src/[z-a]'], 'matches no path'],
      [['check'], 'needs paths or --staged'],
      [['note', ' '], 'needs the note text'],
      [['end', '--summary', 's', '--tokens', 'many'], 'Invalid --tokens "many"'],
      [['end', '--summary', 's', '--allow-regression'], '--allow-regression needs --reason'],
    ];
    const results = await Promise.all(cases.map(([args]) => run(repo.dir, [...args, '--agent', 'alice'])));
    for (const [i, r] of results.entries()) {
      expect(r.code, cases[i][0].join(' ')).toBe(2);
      expect(r.stderr).toContain(cases[i][1]);
      // Said once, in words: not node's parser text, not the value twice.
      expect(r.stderr).not.toMatch(/To specify|Invalid duration|ambiguous/);
    }
    expect(await stateWrites(repo.dir)).toBe(0);
  });
});

describe('files that are not what they should be', () => {
  it('a bare repository is called one, not "not a git repository"', async () => {
    const bare = await makeBareRemote();
    const r = await run(bare, ['status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Not a working tree: ${bare} is a bare repository or inside a .git directory.`);
    expect(r.stderr).toContain('can only serve as a coordination remote');
  });

  it('an AgentTracker.md that is a directory is a message, not EISDIR', async () => {
    const repo = await makeRepo();
    mkdirSync(join(repo.dir, 'AgentTracker.md'));
    const r = await run(repo.dir, ['note', 'hello', '--agent', 'alice']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('AgentTracker.md: the tracker is a directory, not a file');
    expect(r.stderr).toContain('How to fix:');
    expect(r.stderr).not.toMatch(/internal error|EISDIR/);
  });
});

describe('output', () => {
  it('a reader that goes away (`agentsync status | head -1`) gets no crash and no stack', async () => {
    const repo = await makeRepo();
    await Promise.all(Array.from({ length: 5 }, (_, i) => run(repo.dir, ['claim', `p${i}`, '--agent', `a${i}`])));
    const closedEarly = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], { cwd: repo.dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (d) => (stderr += d));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr }));
      });
    const [status, blocked] = await Promise.all([closedEarly(['status', '--json']), closedEarly(['check', 'p1', '--agent', 'bob'])]);
    expect(status).toEqual({ code: 0, stderr: '' });
    expect(blocked).toEqual({ code: 1, stderr: '' });
  });
});

describe('bad files', () => {
  it('a malformed AgentTracker.md is exit 2 naming file and line, and nothing is written', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--claim', 'src', '--agent', 'alice'])).code).toBe(0);
    const file = join(repo.dir, 'AgentTracker.md');
    const broken = `${readFileSync(file, 'utf8').replace('<!-- agentsync:end handoffs -->\n', '')}\nmore prose\n`;
    writeFileSync(file, broken);
    const line = broken.split('\n').indexOf('<!-- agentsync:begin handoffs -->') + 1;
    const writes = await stateWrites(repo.dir);

    const results = await Promise.all([
      run(repo.dir, ['note', 'half done', '--agent', 'alice']),
      run(repo.dir, ['note', 'no session', '--agent', 'bob']),
      run(repo.dir, ['end', '--summary', 'x', '--agent', 'alice']),
      run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--claim', 'docs', '--agent', 'carol']),
    ]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`AgentTracker.md:${line}`);
    }
    expect(readFileSync(file, 'utf8')).toBe(broken);
    expect(await stateWrites(repo.dir)).toBe(writes);
  });

  it('an invalid .agentsync.json is exit 2 naming the file and the JSON path', async () => {
    const repo = await makeRepo({ config: { claims: { ttl: 'soon' }, health: { commands: [{ name: 'unit' }] } } });
    const results = await Promise.all([run(repo.dir, ['status']), run(repo.dir, ['claim', 'x', '--agent', 'a', '--json'])]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`Invalid configuration in ${join(repo.dir, '.agentsync.json')}`);
      expect(r.stderr).toMatch(/\.agentsync\.json:\d+:\d+ {2}claims\.ttl: /);
      expect(r.stderr).toMatch(/\.agentsync\.json:\d+:\d+ {2}health\.commands\[0\]\.run: /);
    }
    expect(JSON.parse(results[1].stdout).error).toMatchObject({ type: 'ConfigError', exitCode: 2 });
  });
});

describe('colors', () => {
  it('FORCE_COLOR=1 colors the output, NO_COLOR=1 never', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['claim', 'src', '--agent', 'alice'])).code).toBe(0);
    const ansi = /\x1b\[/;
    const [forced, forcedBlocked, forcedError, plain, both, plainError, piped] = await Promise.all([
      run(repo.dir, ['status'], { env: { FORCE_COLOR: '1' } }),
      run(repo.dir, ['check', 'src/a.ts', '--agent', 'bob'], { env: { FORCE_COLOR: '1' } }),
      run(repo.dir, ['claim', 'src/a.ts', '--agent', 'bob'], { env: { FORCE_COLOR: '1' } }),
      run(repo.dir, ['status'], { env: { NO_COLOR: '1' } }),
      run(repo.dir, ['status'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }),
      run(repo.dir, ['claim', 'src/a.ts', '--agent', 'bob'], { env: { NO_COLOR: '1' } }),
      run(repo.dir, ['claim', 'src/a.ts', '--agent', 'bob']),
    ]);
    expect(forced.stdout).toMatch(ansi);
    expect(forcedBlocked.stdout).toMatch(ansi);
    expect(forcedError.stderr).toMatch(ansi);
    for (const r of [plain, both, plainError, piped]) expect(r.stdout + r.stderr).not.toMatch(ansi);
  });
});

describe('the same facts in the same words', () => {
  it('a conflict, the hooks and status all give expiry as "in 1h 59m", and next work as "(from alice)"', async () => {
    const repo = await makeRepo();
    expect((await run(repo.dir, ['claim', 'src/**', '--agent', 'alice'])).code).toBe(0);
    const refused = await run(repo.dir, ['claim', 'src/a.ts', '--agent', 'bob']);
    expect(refused.stderr).toMatch(/src\/a\.ts is claimed by alice \(src\/\*\*, expires in (1h 59m|2h 0m)\)/);
    expect(refused.stderr).not.toMatch(/\d{4}-\d\d-\d\dT/);
    const hook = await run(repo.dir, ['hook', 'pre-commit'], { env: { AGENTSYNC_AGENT: 'bob' } });
    expect(hook.stderr).not.toMatch(/\d{4}-\d\d-\d\dT/);
    expect((await run(repo.dir, ['end', '--summary', 's', '--next', 'wire it up', '--no-commit', '--agent', 'alice'])).code).toBe(2);
    expect((await run(repo.dir, ['start', '--goal', 'g', '--tier', '1', '--agent', 'alice'])).code).toBe(0);
    const ended = await run(repo.dir, ['end', '--summary', 's', '--next', 'wire it up', '--no-commit', '--agent', 'alice']);
    expect(ended.stdout).toContain('  - wire it up (from alice)');
    expect((await run(repo.dir, ['status'])).stdout).toContain('  - wire it up (from alice)');
  });
});

describe('the docs quote what the CLI does', () => {
  const doc = (name: string) => readFileSync(join(__dirname, '../../../docs', name), 'utf8');

  it('protocol.md shows the real "no identity" error, commands.md the real merge driver line', async () => {
    const repo = await makeRepo();
    const refused = await run(repo.dir, ['note', 'x']);
    expect(refused.code).toBe(2);
    for (const line of refused.stderr.trim().split('\n')) expect(doc('protocol.md')).toContain(`  ${line}\n`);
    expect((await run(repo.dir, ['setup'])).code).toBe(0);
    expect(doc('commands.md')).toContain(`merge.agentsync-tracker.driver ${(await repo.git(['config', 'merge.agentsync-tracker.driver'])).trim()}\n`);
    expect(MERGE_DRIVER_COMMAND).toContain('command -v agentsync');
  });
});

describe('help and --json', () => {
  it("each command's help lists every option it parses, and the common ones; the top-level help the global options and environment", async () => {
    const repo = await makeRepo();
    const usage = await run(repo.dir, ['--help']);
    expect(usage.stdout).toContain('Global options');
    expect(usage.stdout).toMatch(/Environment:\n {2}AGENTSYNC_AGENT=ID/);
    const commands = [...usage.stdout.split('Commands:\n')[1].split('\n\n')[0].matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    for (const name of commands) {
      // The definitions the parser uses: the help is built from the same objects.
      const { default: command } = await import(/* @vite-ignore */ join(__dirname, '../src/commands', `${name}.ts`));
      const help = (await run(repo.dir, [name, '--help'])).stdout;
      for (const option of [...Object.keys(command.options), 'agent', 'json', 'help']) {
        expect(help, `${name} --help`).toMatch(new RegExp(`^ {2}(-\\w, )?--${option}\\b`, 'm'));
        expect(help.split('Options:')[0], `${name}'s usage line`).toContain(option === 'help' ? '' : `--${option}`);
      }
    }
  });

  it('global options may come before the command; setup and hook print JSON with --json', async () => {
    const repo = await makeRepo();
    const claimed = await run(repo.dir, ['--agent', 'bob', '--json', 'claim', 'x']);
    expect(json(claimed)).toMatchObject({ ok: true, agent: 'bob' });
    expect(json(await run(repo.dir, ['setup', '--json']))).toEqual({ ok: true, gitRepository: true, mergeDriver: true, hooks: false });
    repo.write('x/a.ts', 'a\n');
    await repo.git(['add', '-A']);
    const hook = await run(repo.dir, ['hook', 'pre-commit', '--json'], { env: { AGENTSYNC_AGENT: 'alice' } });
    expect(json(hook, 1)).toMatchObject({ ok: false, hook: 'pre-commit', findings: [expect.objectContaining({ rule: 'claims', paths: ['x/a.ts'] })] });
  });
});
