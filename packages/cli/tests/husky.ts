/**
 * husky 9 for the tests that run real husky hooks: the workspace's own copy
 * where there is one, else installed once per test file into a temp dir.
 */
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { huskyVersion } from '@agentsync/core/versions';
import { CLI, makeTemp, runProgram, type TestRepo } from './fixture';

let dir: Promise<string> | undefined;

/** The directory of an installed husky package, to symlink into a test repo's node_modules. */
export function huskyDir(): Promise<string> {
  dir ??= (async () => {
    const workspace = join(__dirname, '../../../node_modules/husky');
    if (existsSync(join(workspace, 'package.json'))) return workspace;
    const prefix = makeTemp('husky');
    writeFileSync(join(prefix, 'package.json'), '{}\n');
    // The tests' clean HOME has no npm cache: use the real one, so a warm cache needs no network.
    const install = await runProgram('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `husky@${huskyVersion}`], {
      cwd: prefix,
      env: { npm_config_cache: join(homedir(), '.npm') },
    });
    if (install.code !== 0) throw new Error(`npm install husky failed: ${install.stderr}`);
    return join(prefix, 'node_modules', 'husky');
  })();
  return dir;
}

/** Links husky and the built CLI into the repo's node_modules and runs husky, as an install would. */
export async function installHusky(repo: TestRepo): Promise<void> {
  mkdirSync(join(repo.dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(await huskyDir(), join(repo.dir, 'node_modules', 'husky'));
  symlinkSync(CLI, join(repo.dir, 'node_modules', '.bin', 'agentsync'));
  const husky = await runProgram(process.execPath, ['node_modules/husky/bin.js'], { cwd: repo.dir });
  if (husky.code !== 0 || husky.stdout.trim() !== '') throw new Error(`husky failed: ${husky.stdout}${husky.stderr}`);
}
