/**
 * The cache of what the end-to-end tests install (the agent-tool CLIs, a fresh Nx
 * workspace), outside every workspace: AGENTSYNC_E2E_CACHE, else ~/.cache/agentsync-e2e.
 *
 *   const dir = await cachedFolder(join(E2E_CACHE, 'thing-1.2.3'), async (temp) => { ...fill temp... });
 *
 * An entry is one folder, named by what decides its content, built under a temporary
 * name and renamed into place only when complete: a concurrent run, or one killed half
 * way, never sees a partial entry.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export const E2E_CACHE = process.env.AGENTSYNC_E2E_CACHE || join(homedir(), '.cache', 'agentsync-e2e');

const BUILDING = '.building-';

/**
 * `dir`, made by `build(temp)` first if it is not there yet; `build` fills the empty folder
 * `temp` and throws on failure, which leaves no entry and rethrows.
 */
export async function cachedFolder(dir, build) {
  if (existsSync(dir)) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  removeAbandoned(dir);
  const temp = `${dir}${BUILDING}${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(temp);
  try {
    await build(temp);
    try {
      renameSync(temp, dir);
    } catch (error) {
      // Another run completed the same entry first: theirs stands.
      if (!existsSync(dir)) throw error;
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return dir;
}

/** Removes the temporary folders of `dir` left by runs that died while building it. */
function removeAbandoned(dir) {
  const prefix = `${basename(dir)}${BUILDING}`;
  for (const name of readdirSync(dirname(dir))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!isAlive(pid)) rmSync(join(dirname(dir), name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return error.code === 'EPERM';
  }
}
