/** The end-to-end tests' install cache: AGENTSYNC_E2E_CACHE, else ~/.cache/agentsync-e2e. */
export const E2E_CACHE: string;

/** `dir`, made by `build(temp)` first if it is not there yet; a failed build leaves no entry and rethrows. */
export function cachedFolder(dir: string, build: (temp: string) => void | Promise<void>): Promise<string>;
