/** A {@link FileHost} on the real disk, rooted at a directory. */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FileHost } from './init';

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
