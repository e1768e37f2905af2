/**
 * Each passing result cached in the repository's own objects, keyed by the tree
 * and the check, so a green tree is never checked twice. Results live under
 * refs/agentsync/health/, which is local: nothing pushes it by default, and
 * every worktree of the clone shares it.
 */
import { git, readObjects, splitNul, type Repo } from '../git/git';
import type { CheckResult } from '../domain/verdicts';
import { TRACKER_FILE } from '../domain/tracker/constants';
import { healthConfigHash, type HealthCheck } from './checks';

const HEALTH_REF_PREFIX = 'refs/agentsync/health';

const cacheRef = (tree: string, name: string, run: string) =>
  `${HEALTH_REF_PREFIX}/${tree}/${healthConfigHash({ name, run })}/${Buffer.from(name, 'utf8').toString('hex')}`;

/** Cached passes of `checks` on `tree`, in one git call; checks without one are absent from the map. */
export async function readCachedResults(repo: Repo, tree: string, checks: readonly HealthCheck[]): Promise<Map<string, CheckResult>> {
  const wanted = checks.flatMap((c) => [c.run, ...(c.coveredBy ? [c.coveredBy] : [])].map((run) => ({ name: c.name, ref: cacheRef(tree, c.name, run) })));
  const results = new Map<string, CheckResult>();
  const objects = await readObjects(repo, wanted.map((w) => w.ref));
  for (const [i, { name }] of wanted.entries()) {
    const body = objects[i]?.content;
    if (body === undefined) continue;
    try {
      const result = JSON.parse(body) as CheckResult;
      // Older versions cached failures too: only a pass may stand for a run.
      if (result.status === 'pass' && !results.has(name)) results.set(name, { ...result, name, cached: true });
    } catch {
      // A damaged cache entry is just a miss.
    }
  }
  return results;
}

/** Caches `result` of `check` on `tree`. */
export async function writeCachedResult(repo: Repo, tree: string, check: HealthCheck, result: CheckResult): Promise<void> {
  const blob = (await git(['hash-object', '-w', '--stdin'], { cwd: repo.root, input: JSON.stringify(result) })).trim();
  await git(['update-ref', cacheRef(tree, check.name, check.run), blob], { cwd: repo.root });
}

/**
 * The cache key of `treeish`: its tree less AgentTracker.md. The tool itself
 * writes the tracker during a session and no check depends on it, so the
 * handoff commit keeps the results of the tree it was made on.
 */
export async function cacheTree(repo: Repo, treeish: string): Promise<string> {
  const entries = splitNul(await git(['ls-tree', '-z', treeish], { cwd: repo.root }));
  const kept = entries.filter((entry) => entry.slice(entry.indexOf('\t') + 1) !== TRACKER_FILE);
  return (await git(['mktree', '-z', '--missing'], { cwd: repo.root, input: kept.map((entry) => `${entry}\0`).join('') })).trim();
}

/**
 * HEAD's cache key when the working copy matches HEAD (AgentTracker.md aside),
 * else undefined (then nothing is cached). No optional locks: a hook must not
 * rewrite the index, and status would refresh it.
 */
export async function cleanHeadTree(repo: Repo): Promise<string | undefined> {
  const [status, tree] = await Promise.all([
    git(['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=normal', '--', '.', `:(exclude,top)${TRACKER_FILE}`], {
      cwd: repo.root,
    }),
    cacheTree(repo, 'HEAD').catch(() => undefined), // no commits yet
  ]);
  return status === '' ? tree : undefined;
}
