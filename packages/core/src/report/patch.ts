/**
 * Reads `git log -p -U0` output line by line into commits and their per-file
 * hunks, for the churn walk. Pure. Hunk bodies are skipped by their counted
 * length, so a changed line that looks like a header is never taken for one.
 */
import type { FileChange, Hunk } from './churn';

/** A commit of the walk: its id, committer time (ms) and what it changed. */
export interface PatchCommit {
  sha: string;
  time: number;
  changes: FileChange[];
}

/** The format the parser expects for each commit's header line (`%x00` marks it). */
export const PATCH_COMMIT_FORMAT = '%x00%H %ct';

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** A path as git prints it in a patch: C-quoted (`"a/t\\303\\251st"`) when it holds unusual bytes. */
export function unquotePath(text: string): string {
  if (!text.startsWith('"')) return text;
  const bytes: number[] = [];
  const escapes: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 1; i < text.length - 1; i++) {
    const ch = text[i];
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = text[++i];
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(text.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(escapes[next] ?? next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `a/x` or `b/x` (possibly quoted) without its prefix; undefined for /dev/null. */
function sidePath(text: string): string | undefined {
  if (text === '/dev/null') return undefined;
  return unquotePath(text).slice(2);
}

/** Feeds lines in, calls `onCommit` once each commit is complete (and for the last one at `end()`). */
export class PatchParser {
  private commit?: PatchCommit;
  private file?: FileChange & { oldPath?: string };
  private bodyLeft = 0;

  constructor(private readonly onCommit: (commit: PatchCommit) => void) {}

  line(line: string): void {
    if (this.bodyLeft > 0) {
      // "\ No newline at end of file" follows a body line without counting as one.
      if (!line.startsWith('\\')) this.bodyLeft--;
      return;
    }
    if (line.startsWith('\0')) {
      this.flush();
      const [sha, time] = line.slice(1).split(' ');
      this.commit = { sha, time: Number(time) * 1000, changes: [] };
      return;
    }
    if (!this.commit) return;
    if (line.startsWith('diff --git ')) {
      this.flushFile();
      this.file = { path: '', hunks: [] };
      return;
    }
    const file = this.file;
    if (!file) return;
    const hunk = HUNK.exec(line);
    if (hunk) {
      const parsed: Hunk = { oldStart: Number(hunk[1]), oldCount: hunk[2] === undefined ? 1 : Number(hunk[2]), newCount: hunk[4] === undefined ? 1 : Number(hunk[4]) };
      file.hunks.push(parsed);
      this.bodyLeft = parsed.oldCount + parsed.newCount;
    } else if (line.startsWith('rename from ')) file.from = unquotePath(line.slice(12));
    else if (line.startsWith('rename to ')) file.path = unquotePath(line.slice(10));
    else if (line.startsWith('--- ')) {
      file.oldPath = sidePath(line.slice(4));
      if (file.oldPath === undefined) file.created = true;
    }
    else if (line.startsWith('+++ ')) {
      const path = sidePath(line.slice(4));
      if (path === undefined) {
        file.deleted = true;
        file.path = file.oldPath ?? '';
      } else file.path = path;
    }
  }

  end(): void {
    this.flush();
  }

  private flushFile(): void {
    const file = this.file;
    this.file = undefined;
    if (!file || !file.path || !this.commit) return;
    const { oldPath: _old, ...change } = file;
    this.commit.changes.push(change);
  }

  private flush(): void {
    this.flushFile();
    if (this.commit) this.onCommit(this.commit);
    this.commit = undefined;
  }
}
