/**
 * The report's cache, `<common git dir>/agentsync/report-cache.json`: what a
 * run learnt that cannot change for the same commit ids (a merge's replay, the
 * churn walk up to a tip), so the next run reads only newer history. Losing or
 * corrupting it costs time, never correctness: an unreadable cache is ignored.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Repo } from '../git/git';
import type { SerializedAges } from './churn';

export const REPORT_CACHE_FILE = 'report-cache.json';

export interface ReportCache {
  version: 1;
  /** Merge commit id → files its replay left conflicted, or null when it could not be replayed. */
  merges: Record<string, string[] | null>;
  /** The churn walk up to `tip` (first-parent): one `[time, added, reworked]` per commit from the root. */
  churn?: { windowDays: number; tip: string; steps: Array<[number, number, number]>; ages: SerializedAges };
  /** Set when this run added something: only then is the file written again. */
  changed?: boolean;
}

const cachePath = (repo: Repo) => join(repo.commonDir, 'agentsync', REPORT_CACHE_FILE);

export async function readReportCache(repo: Repo): Promise<ReportCache> {
  try {
    const parsed = JSON.parse(await readFile(cachePath(repo), 'utf8')) as ReportCache;
    if (parsed.version === 1 && parsed.merges && typeof parsed.merges === 'object') return parsed;
  } catch {
    // Missing or unreadable: start afresh.
  }
  return { version: 1, merges: {} };
}

/** Writes the cache atomically (temp file and rename); a failure to write is not an error of the report. */
export async function writeReportCache(repo: Repo, cache: ReportCache): Promise<void> {
  const path = cachePath(repo);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(join(repo.commonDir, 'agentsync'), { recursive: true });
    const { changed: _changed, ...saved } = cache;
    await writeFile(temp, JSON.stringify(saved));
    await rename(temp, path);
  } catch {
    // A read-only git dir: the next run recomputes.
  }
}
