import type { Tree } from '@nx/devkit';
import type { FileHost } from '@agentsync/core/setup';

/** Core's file host over the devkit Tree, so `nx g` (and its --dry-run) sees every write. */
export function treeHost(tree: Tree): FileHost {
  return {
    read: (path) => tree.read(path, 'utf-8') ?? undefined,
    write(path, content, options) {
      tree.write(path, content);
      if (options?.executable) tree.changePermissions(path, '755');
    },
    remove: (path) => tree.delete(path),
  };
}
