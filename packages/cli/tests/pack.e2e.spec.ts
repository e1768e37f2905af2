/**
 * `npm run pack`'s tarballs as a user installs them before anything is
 * published: packed once, the CLI's alone into an unrelated repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, makeTemp, runProgram } from './fixture';

const ROOT = resolve(__dirname, '../../..');
const packs = makeTemp('packs');
let tarballs: string[];

beforeAll(() => {
  tarballs = execFileSync(process.execPath, [join(ROOT, 'tools/pack/pack.mjs'), packs], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').map((file) => resolve(ROOT, file));
}, 120_000);

const listing = (tarball: string) => execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');

describe('npm run pack', () => {
  it('writes the three publishable tarballs, each with its README and LICENSE', () => {
    expect(tarballs.map((file) => file.slice(packs.length + 1))).toEqual(['agentsync-core-0.1.0.tgz', 'agentsync-cli-0.1.0.tgz', 'agentsync-nx-0.1.0.tgz']);
    for (const tarball of tarballs) expect(listing(tarball), tarball).toEqual(expect.arrayContaining(['package/README.md', 'package/LICENSE']));
  });

  it('the CLI tarball alone gives a working npx --no-install agentsync in an unrelated repository', async () => {
    const repo = await makeRepo({ config: null });
    repo.write('package.json', '{ "name": "unrelated", "version": "1.0.0" }\n');
    const cli = tarballs.find((file) => file.endsWith('agentsync-cli-0.1.0.tgz')) as string;
    // The real npm cache (the tests' HOME has none), so a warm cache needs no network.
    const npmEnv = { npm_config_cache: join(homedir(), '.npm'), npm_config_audit: 'false', npm_config_fund: 'false' };
    const install = await runProgram('npm', ['install', '--save-dev', '--prefer-offline', cli], { cwd: repo.dir, env: npmEnv });
    expect(install.code, install.stderr).toBe(0);
    expect(existsSync(join(repo.dir, 'node_modules/@agentsync/core'))).toBe(false);

    const npx = (args: string[]) => runProgram('npx', ['--no-install', 'agentsync', ...args], { cwd: repo.dir, env: npmEnv });
    expect((await npx(['--version'])).stdout.trim()).toBe('0.1.0');
    const init = await npx(['init']);
    expect(init.code, init.stderr).toBe(0);
    const { $schema } = JSON.parse(readFileSync(join(repo.dir, '.agentsync.json'), 'utf8'));
    expect(existsSync(join(repo.dir, $schema)), $schema).toBe(true);
    const claimed = await npx(['claim', 'src/**', '--agent', 'alice']);
    expect(claimed.code, claimed.stderr).toBe(0);
    expect((await npx(['status', '--json'])).stdout).toContain('"holder": "alice"');
  }, 180_000);
});
