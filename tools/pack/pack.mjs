#!/usr/bin/env node
/**
 * Writes the publishable tarballs to dist/packs/ (`npm run pack` builds first):
 * agentsync-core-0.1.0.tgz, agentsync-cli-0.1.0.tgz, agentsync-nx-0.1.0.tgz.
 * Each ships its README and the repository's LICENSE (copied in for the pack,
 * as npm takes a LICENSE only from the package's own folder).
 *
 * The CLI tarball installs and runs alone: its bundle holds @agentsync/core,
 * so core is no dependency of the published CLI. Try it before publishing:
 *   npm install -D ./dist/packs/agentsync-cli-0.1.0.tgz && npx --no-install agentsync init
 *
 *   node tools/pack/pack.mjs [DIR]   (default dist/packs; prints each tarball's path)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = resolve(process.argv[2] ?? join(root, 'dist', 'packs'));
const PACKAGES = ['core', 'cli', 'nx'];

if (!existsSync(join(root, 'packages/cli/dist/agentsync.js'))) {
  console.error('pack: packages/cli/dist/agentsync.js is missing: build first (npm run pack does: nx run-many -t build).');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
for (const name of PACKAGES) {
  const dir = join(root, 'packages', name);
  const license = join(dir, 'LICENSE');
  copyFileSync(join(root, 'LICENSE'), license);
  try {
    // npm prints the tarball's name last; the workspace's own scripts (prepare) must not run.
    const file = execFileSync('npm', ['pack', '--ignore-scripts', '--loglevel=warn', '--pack-destination', out], { cwd: dir, encoding: 'utf8' }).trim().split('\n').at(-1);
    console.log(relative(process.cwd(), join(out, file)));
  } finally {
    rmSync(license, { force: true });
  }
}
