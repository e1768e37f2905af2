/** A file host in memory, for the pure tests of the scaffolding: what was written, removed, made executable. */
import type { FileHost } from './file-host';

export function memoryHost(files: Record<string, string> = {}) {
  const disk = new Map(Object.entries(files));
  const executable = new Set<string>();
  const host: FileHost & Required<Pick<FileHost, 'remove'>> = {
    read: (path) => disk.get(path),
    write(path, content, options) {
      disk.set(path, content);
      if (options?.executable) executable.add(path);
    },
    remove: (path) => void disk.delete(path),
  };
  return { host, disk, executable, json: (path: string) => JSON.parse(disk.get(path) ?? 'null') };
}
