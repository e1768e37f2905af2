import { defineConfig } from 'vitest/config';

export default defineConfig(() => ({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/packages/core',
  resolve: { conditions: ['@agentsync/source'] },
  test: {
    name: '@agentsync/core',
    watch: false,
    environment: 'node',
    include: ['{src,tests}/**/*.{test,spec}.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
}));
