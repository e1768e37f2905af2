import type { ViteUserConfig } from 'vitest/config';

/** The config of the package in `dir` (its vitest.config.mts's import.meta.dirname), named `name` in reports. */
export function packageConfig(dir: string, name: string): ViteUserConfig;
