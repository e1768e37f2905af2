import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TrackerError } from '../errors';
import { TRACKER_FILE, TRACKER_LOCK, readTracker, updateTracker } from './tracker-file';
import { addEntry, createTrackerText, entries, newEntryId, type NoteEntry } from '../domain/tracker';

const AT = '2026-11-25T11:00:00.000Z';
const note = (text: string): NoteEntry => ({ kind: 'note', id: newEntryId('note'), at: AT, updatedAt: AT, agent: 'claude', text });

let root: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'agentsync-tracker-'));
  file = path.join(root, TRACKER_FILE);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectOnlyTracker(): Promise<void> {
  expect(await readdir(root)).toEqual([TRACKER_FILE]);
}

describe('readTracker', () => {
  it('is undefined when the file does not exist', async () => {
    expect(await readTracker(root)).toBeUndefined();
  });

  it('parses the file', async () => {
    await writeFile(file, createTrackerText());
    expect((await readTracker(root))?.blocks.length).toBeGreaterThan(5);
  });

  it('rejects bytes that are not UTF-8', async () => {
    await writeFile(file, Buffer.from([0x23, 0x20, 0xff, 0x0a]));
    await expect(readTracker(root)).rejects.toThrow(/not valid UTF-8/);
  });
});

describe('a tracker that is not a plain file', () => {
  it('says so when AgentTracker.md is a directory', async () => {
    await mkdir(file);
    await expect(readTracker(root)).rejects.toThrow(TrackerError);
    await expect(readTracker(root)).rejects.toThrow(/AgentTracker\.md: the tracker is a directory, not a file/);
    await expect(updateTracker(root, () => undefined)).rejects.toThrow(/is a directory/);
  });

  it('writes through a symbolic link, which stays a link', async () => {
    const shared = path.join(root, 'shared');
    await mkdir(shared);
    await writeFile(path.join(shared, 'tracker.md'), createTrackerText());
    await symlink('shared/tracker.md', file);
    await updateTracker(root, (doc) => void addEntry(doc, note('through the link')));
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(shared, 'tracker.md'), 'utf8')).toContain('through the link');
    expect((await readdir(shared)).sort()).toEqual(['tracker.md']);
  });

  it('refuses a link to nothing, writing nothing', async () => {
    await symlink('nowhere.md', file);
    await expect(updateTracker(root, () => undefined, { create: true })).rejects.toThrow(/is a symbolic link to nothing/);
    expect((await lstat(file)).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(root, 'nowhere.md'))).toBe(false);
  });
});

describe('updateTracker', () => {
  it('creates the file when asked, and leaves no lock or temp file', async () => {
    const doc = await updateTracker(root, (d) => addEntry(d, note('first')), { create: true });
    expect(entries(doc, 'note').map((n) => n.text)).toEqual(['first']);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(createTrackerText().split('## Active sessions')[0])).toBe(true);
    expect(text).toContain('first');
    await expectOnlyTracker();
  });

  it('refuses a missing file without create', async () => {
    await expect(updateTracker(root, () => {})).rejects.toBeInstanceOf(TrackerError);
    expect(await readdir(root)).toEqual([]);
  });

  it('keeps prose byte for byte and the file mode', async () => {
    const original = '\uFEFF# Ünïcode\r\n\r\nprose  \r\n<!-- agentsync:begin notes -->\r\n_none_\r\n<!-- agentsync:end notes -->\r\ntail 🚀';
    await writeFile(file, original);
    await chmod(file, 0o640);
    await updateTracker(root, (d) => addEntry(d, note('x')));
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('\uFEFF# Ünïcode\r\n\r\nprose  \r\n<!-- agentsync:begin notes -->\r\n<!-- agentsync:entry ')).toBe(true);
    expect(text.endsWith('<!-- agentsync:end notes -->\r\ntail 🚀')).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    await expectOnlyTracker();
  });

  it('adds a missing region after all existing prose', async () => {
    const original = '# Team notes\n\nHand-written, keep me.';
    await writeFile(file, original);
    await updateTracker(root, (d) => addEntry(d, note('x')));
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(`${original}\n\n## Notes (partial work)\n\n<!-- agentsync:begin notes -->`)).toBe(true);
  });

  it('writes nothing when the tracker is malformed', async () => {
    const broken = '# T\n\n<!-- agentsync:begin notes -->\n- x\n';
    await writeFile(file, broken);
    const before = await stat(file);
    let called = false;
    const error = await updateTracker(root, () => {
      called = true;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrackerError);
    expect((error as TrackerError).line).toBe(3);
    expect(called).toBe(false);
    expect(await readFile(file, 'utf8')).toBe(broken);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    await expectOnlyTracker();
  });

  it('writes nothing when the mutation fails', async () => {
    const original = createTrackerText();
    await writeFile(file, original);
    await expect(
      updateTracker(root, (d) => {
        addEntry(d, note('x'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readFile(file, 'utf8')).toBe(original);
    await expectOnlyTracker();
  });

  it('keeps the lock in lockDir while it works', async () => {
    const lockDir = path.join(root, '.git');
    await mkdir(lockDir);
    await updateTracker(
      root,
      () => {
        expect(existsSync(path.join(lockDir, TRACKER_LOCK))).toBe(true);
        expect(existsSync(path.join(root, TRACKER_LOCK))).toBe(false);
      },
      { create: true, lockDir },
    );
    expect(await readdir(lockDir)).toEqual([]);
  });

  it('takes over a lock left behind by a crashed process', async () => {
    const lock = path.join(root, TRACKER_LOCK);
    await mkdir(lock);
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);
    await updateTracker(root, (d) => addEntry(d, note('x')), { create: true });
    expect(entries((await readTracker(root))!, 'note')).toHaveLength(1);
    await expectOnlyTracker();
  });

  it('waits for a live lock to be released', async () => {
    const lock = path.join(root, TRACKER_LOCK);
    await mkdir(lock);
    setTimeout(() => void rm(lock, { recursive: true }), 300);
    await updateTracker(root, (d) => addEntry(d, note('x')), { create: true });
    expect(entries((await readTracker(root))!, 'note')).toHaveLength(1);
  });
});

describe('concurrent writers', () => {
  let build: string;

  // Child processes need JavaScript: transpile just this module and its imports,
  // so the test does not depend on the rest of the package compiling.
  beforeAll(async () => {
    build = await mkdtemp(path.join(tmpdir(), 'agentsync-tracker-build-'));
    const tracker = ['constants', 'index', 'merge', 'model', 'parse', 'render', 'template', 'types'].map((name) => `domain/tracker/${name}.ts`);
    const sources = ['errors.ts', 'config/duration.ts', ...tracker, 'store/tracker-file.ts'];
    for (const source of sources) {
      const input = await readFile(path.join(__dirname, '..', source), 'utf8');
      const { outputText } = ts.transpileModule(input, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      await mkdir(path.dirname(path.join(build, source)), { recursive: true });
      await writeFile(path.join(build, source.replace(/\.ts$/, '.js')), outputText);
    }
  });
  afterAll(async () => {
    await rm(build, { recursive: true, force: true });
  });

  it('keeps every note when 10 processes add one at once', async () => {
    const script = `
      const { updateTracker } = require(${JSON.stringify(path.join(build, 'store/tracker-file.js'))});
      const { addEntry, newEntryId } = require(${JSON.stringify(path.join(build, 'domain/tracker/model.js'))});
      const [root, agent] = process.argv.slice(1);
      const at = new Date().toISOString();
      updateTracker(root, (doc) => addEntry(doc, { kind: 'note', id: newEntryId('note'), at, updatedAt: at, agent, text: 'note from ' + agent }), { create: true })
        .catch((error) => { console.error(error); process.exit(1); });`;
    // proper-lockfile resolves from the workspace, not from the temp build dir.
    const nodePath = path.dirname(path.dirname(require.resolve('proper-lockfile/package.json')));
    const runs = Array.from(
      { length: 10 },
      (_, i) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ['-e', script, root, `agent-${i}`], {
            env: { ...process.env, NODE_PATH: nodePath },
          });
          let stderr = '';
          child.stderr.on('data', (chunk) => (stderr += chunk));
          child.on('close', (code) => resolve({ code, stderr }));
        }),
    );
    for (const run of await Promise.all(runs)) expect(run).toEqual({ code: 0, stderr: '' });
    const doc = await readTracker(root);
    const agents = entries(doc!, 'note').map((n) => n.agent);
    expect(agents.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `agent-${i}`).sort());
    await expectOnlyTracker();
  });
});
