/**
 * The vitest config every package shares; each package's vitest.config.mts is
 * one call to this. Plain JavaScript with a declaration file beside it, so the
 * packages' spec tsconfig (composite) typechecks their config without listing
 * a file outside the package.
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** The config of the package in `dir` (its vitest.config.mts's import.meta.dirname), named `name` in reports. */
export function packageConfig(dir, name) {
  return defineConfig({
    root: dir,
    cacheDir: `../../node_modules/.vite/packages/${basename(dir)}`,
    resolve: { conditions: ['@agentsync/source'] },
    // Tests run in Vite's server environment, which takes its own conditions: without this, one
    // @agentsync/core module loads from src and another from dist, and `instanceof` across them fails.
    ssr: { resolve: { conditions: ['@agentsync/source', ...defaultServerConditions] } },
    test: {
      name,
      watch: false,
      environment: 'node',
      include: ['{src,tests}/**/*.{test,spec}.ts'],
      setupFiles: [fileURLToPath(new URL('./git-env.mjs', import.meta.url))],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      reporters: ['default'],
    },
  });
}
