/**
 * Line churn: how many lines are changed again soon after they were written.
 * Every line of every file on the walked (first-parent) history carries the
 * time it was written; a commit that removes or replaces a line written less
 * than the window before it reworks that line. Pure: fed with parsed `-U0` hunks.
 */

/** One hunk of a `git diff -U0`: `oldCount` lines from `oldStart` replaced by `newCount` new ones. */
export interface Hunk {
  oldStart: number;
  oldCount: number;
  newCount: number;
}

/** What one commit did to one file. */
export interface FileChange {
  path: string;
  /** The old path, when git saw a rename. */
  from?: string;
  /** A new file (`--- /dev/null`): it starts empty, whatever an old file of that name left. */
  created?: boolean;
  deleted?: boolean;
  hunks: Hunk[];
}

/** Lines a commit added, and lines it removed or replaced that were younger than the window. */
export interface ChurnStep {
  added: number;
  reworked: number;
}

/** Line ages per file, as run-length pairs `[time, count, time, count, …]`, for the cache. */
export type SerializedAges = Record<string, number[]>;

/** The birth of lines nothing recorded (written before the walk began): older than any window. */
const UNKNOWN = -Number.MAX_SAFE_INTEGER;

/** The age of every line of every file, moved along commit by commit. */
export class LineAges {
  private readonly files = new Map<string, number[]>();
  /** Files as saved, expanded only when a commit touches them: a resumed walk of a few commits stays cheap. */
  private readonly saved: Map<string, number[]>;

  constructor(private readonly windowMs: number, saved?: SerializedAges) {
    this.saved = new Map(Object.entries(saved ?? {}));
  }

  /** Takes `path`'s lines out of the store, to be put back under the name the commit leaves it at. */
  private take(path: string): number[] {
    const runs = this.saved.get(path);
    this.saved.delete(path);
    if (runs) {
      const lines: number[] = [];
      for (let i = 0; i < runs.length; i += 2) for (let n = 0; n < runs[i + 1]; n++) lines.push(runs[i]);
      return lines;
    }
    const lines = this.files.get(path) ?? [];
    this.files.delete(path);
    return lines;
  }

  /** Applies one commit made at `time` and says what it added and reworked. */
  apply(time: number, changes: readonly FileChange[]): ChurnStep {
    const step: ChurnStep = { added: 0, reworked: 0 };
    // Every file's old lines are taken before any is put back: a new file may take the name a rename frees.
    const before = changes.map((change) => (change.created ? [] : this.take(change.from ?? change.path)));
    for (const [index, change] of changes.entries()) {
      let lines = before[index];
      // Bottom-up, so each hunk's old line numbers still hold when it is applied.
      for (const hunk of [...change.hunks].sort((a, b) => b.oldStart - a.oldStart)) {
        // With no old lines, oldStart is the line after which the new ones go.
        const at = hunk.oldCount === 0 ? hunk.oldStart : hunk.oldStart - 1;
        while (lines.length < at) lines.push(UNKNOWN);
        const removed = lines.slice(at, at + hunk.oldCount);
        // slice and concat, not splice(...spread): a hunk may add more lines than a call takes arguments.
        lines = lines.slice(0, at).concat(new Array<number>(hunk.newCount).fill(time), lines.slice(at + hunk.oldCount));
        step.added += hunk.newCount;
        step.reworked += removed.filter((born) => time - born <= this.windowMs).length;
      }
      if (!change.deleted) this.files.set(change.path, lines);
    }
    return step;
  }

  serialize(): SerializedAges {
    const out: SerializedAges = Object.fromEntries(this.saved);
    for (const [path, lines] of this.files) {
      const runs: number[] = [];
      for (const born of lines) {
        if (runs.length && runs[runs.length - 2] === born) runs[runs.length - 1]++;
        else runs.push(born, 1);
      }
      out[path] = runs;
    }
    return out;
  }
}
