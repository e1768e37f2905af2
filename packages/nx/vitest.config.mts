import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig(() => ({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/packages/nx',
  resolve: { conditions: ['@agentsync/source'] },
  // Tests run in Vite's server environment, which takes its own conditions: without this, one
  // @agentsync/core module loads from src and another from dist, and `instanceof` across them fails.
  ssr: { resolve: { conditions: ['@agentsync/source', ...defaultServerConditions] } },
  test: {
    name: '@agentsync/nx',
    watch: false,
    environment: 'node',
    include: ['{src,tests}/**/*.{test,spec}.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
}));
