/** Reading commits with their trailers: the one `git log` reader the hooks and verify share. */
import { parseTrailerLines, type Trailer } from '../domain/trailers';
import { git, type Repo } from './git';

/** Separators git log's --format writes between fields and records: neither can occur in a sha, a time or a trailer. */
export const LOG_FIELD = '\x1f';
export const LOG_RECORD = '\x1e';

/** The fields of each record of a `git log --format=…%x1f…%x1e` output (LOG_FIELD, LOG_RECORD). */
export function logRecords(out: string): string[][] {
  return out
    .split(LOG_RECORD)
    .map((record) => record.replace(/^\n/, ''))
    .filter(Boolean)
    .map((record) => record.split(LOG_FIELD));
}

/** A commit as the policy needs it. */
export interface CommitInfo {
  sha: string;
  /** Committer time, epoch milliseconds. */
  time: number;
  parents: string[];
  subject: string;
  trailers: Trailer[];
}

/**
 * The commits `revs` selects (as `git log` takes them: a range, or
 * `--no-walk=unsorted --stdin` with the shas as `input`), oldest first, with
 * committer time, subject and trailers, in one git call.
 */
export async function readCommits(repo: Repo, revs: readonly string[], input?: string): Promise<CommitInfo[]> {
  const format = `--format=%H${LOG_FIELD}%ct${LOG_FIELD}%P${LOG_FIELD}%s${LOG_FIELD}%(trailers:only,unfold)${LOG_RECORD}`;
  const out = await git(['log', '--reverse', format, ...revs], { cwd: repo.root, ...(input === undefined ? {} : { input }) });
  return logRecords(out).map(([sha, time, parents, subject, trailers]) => ({
    sha,
    time: Number(time) * 1000,
    parents: parents.split(' ').filter(Boolean),
    subject,
    trailers: parseTrailerLines(trailers),
  }));
}
