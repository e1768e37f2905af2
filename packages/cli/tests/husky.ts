/**
 * husky 9 for the tests that run real husky hooks: the workspace's own copy
 * where there is one, else installed once per machine (cachedPackage).
 */
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { huskyVersion } from '@agentsync/core/setup';
import { cachedPackage, CLI, runProgram, type TestRepo } from './fixture';

let dir: Promise<string> | undefined;

/** The directory of an installed husky package, to symlink into a test repo's node_modules. */
export function huskyDir(): Promise<string> {
  dir ??= (async () => {
    const workspace = join(__dirname, '../../../node_modules/husky');
    if (existsSync(join(workspace, 'package.json'))) return workspace;
    return join(await cachedPackage(`husky@${huskyVersion}`), 'node_modules', 'husky');
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
