import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * domain/ is the pure core: facts in, decisions out. It must not reach the file
 * system, processes, git or the store, so it stays testable without a repository
 * and cheap to load. What it may import is listed here; anything else fails.
 */
const SRC = resolve(__dirname, '..');
const ALLOWED_PACKAGES = new Set(['node:crypto', 'node:path', 'picomatch/posix']);
/** Outside domain/: only the typed errors and the pure part of config (no file reading). */
const ALLOWED_OUTSIDE = new Set(['errors', 'config/constants', 'config/duration', 'config/schema']);

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return path.endsWith('.ts') && !/\.(spec|test|fixtures)\.ts$/.test(path) ? [path] : [];
  });

/**
 * What `file` imports, requires or import()s that it may not: relative imports as paths under src/, without extension.
 * `alsoPure` names more modules (paths under src/) it may import.
 */
function impureImports(file: string, alsoPure: ReadonlySet<string> = new Set()): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map(({ fileName }) =>
      fileName.startsWith('.') ? relative(SRC, resolve(dirname(file), fileName.replace(/\.js$/, ''))).split('\\').join('/') : fileName,
    )
    .filter((target) => !target.startsWith('domain/') && !ALLOWED_OUTSIDE.has(target) && !ALLOWED_PACKAGES.has(target) && !alsoPure.has(target));
}

describe('domain/ purity', () => {
  const files = sources(join(SRC, 'domain'));

  it('finds the domain modules', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it.each(files.map((file) => [relative(SRC, file), file]))('%s imports no I/O (fs, processes, git, store)', (_, file) => {
    expect(impureImports(file)).toEqual([]);
  });
});

/** report/ computes and renders from facts that report/collect.ts reads: those modules follow the same rule. */
describe('report/ purity', () => {
  const pure = ['metrics', 'contention', 'stats', 'churn', 'patch', 'dates', 'format', 'render-text', 'render-html'].map((name) => `report/${name}`);
  // The audit records' format (its kinds of refusal) is pure too; it lives beside the audit log's writer.
  it.each(pure)('%s imports no I/O', (name) => {
    expect(impureImports(join(SRC, `${name}.ts`), new Set([...pure, 'store/audit-records']))).toEqual([]);
  });
});
