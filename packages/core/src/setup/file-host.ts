/**
 * Reading and writing a repository's files by repo-relative POSIX path, so the
 * scaffolding runs on the real disk for the CLI and on Nx's virtual Tree for
 * the generators.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface FileHost {
  read(path: string): string | undefined;
  write(path: string, content: string, options?: { executable?: boolean }): void;
  /** Deletes a file; hosts that cannot leave it and say so. */
  remove?(path: string): void;
}

export interface FileChange {
  path: string;
  action: 'created' | 'updated' | 'deleted';
}

/** Writes `content` to `path` unless it is already exactly that, and records the change. */
export function writeIfChanged(host: FileHost, changed: FileChange[], path: string, content: string, executable = false): void {
  const before = host.read(path);
  if (before === content) return;
  host.write(path, content, { executable });
  changed.push({ path, action: before === undefined ? 'created' : 'updated' });
}

/** A {@link FileHost} on the real disk, rooted at a directory. */
export function diskHost(root: string): FileHost {
  return {
    read(path) {
      try {
        return readFileSync(join(root, path), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    remove(path) {
      rmSync(join(root, path), { force: true });
    },
    /** Temp file and rename, so an interrupted init never leaves a half-written package.json; keeps the file's mode. */
    write(path, content, options) {
      const file = join(root, path);
      mkdirSync(dirname(file), { recursive: true });
      let mode = options?.executable ? 0o755 : 0o644;
      try {
        mode = statSync(file).mode | (options?.executable ? 0o111 : 0);
      } catch {
        // A new file.
      }
      const temp = `${file}.${process.pid}.agentsync-tmp`;
      try {
        writeFileSync(temp, content);
        chmodSync(temp, mode & 0o7777);
        renameSync(temp, file);
      } catch (error) {
        rmSync(temp, { force: true });
        throw error;
      }
    },
  };
}
