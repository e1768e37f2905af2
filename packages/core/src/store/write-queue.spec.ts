import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { throughQueue } from './write-queue';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function queueDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'agentsync-queue-')), 'writes');
  dirs.push(join(dir, '..'));
  return dir;
}

/** The pid of a process that has exited: a leader that died. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number;
}

describe('throughQueue', () => {
  it('publishes writes queued meanwhile in one batch, each getting its own outcome', async () => {
    const dir = queueDir();
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
    const publish = async (pending: () => number[]) => {
      const writes = pending();
      batches.push(writes);
      if (batches.length === 1) await firstBatchHeld;
      return writes.map((w) => w * 10);
    };
    const first = throughQueue(dir, 0, publish);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const rest = [1, 2, 3, 4].map((w) => throughQueue(dir, w, publish));
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    expect(await Promise.all([first, ...rest])).toEqual([0, 10, 20, 30, 40]);
    expect(batches).toEqual([[0], [1, 2, 3, 4]]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lets a write queued while a batch waits to be tried again join that batch', async () => {
    const dir = queueDir();
    let retry: () => void = () => undefined;
    const retried = new Promise<void>((resolve) => (retry = resolve));
    const batches: string[][] = [];
    const publish = async (pending: () => string[]) => {
      if (batches.length > 0) return pending();
      // A lost round: wait, as a fetch would, then look at the queue again before the next try.
      await retried;
      const writes = pending();
      batches.push(writes);
      return writes;
    };
    const first = throughQueue(dir, 'first', publish);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = throughQueue(dir, 'second', publish);
    await new Promise((resolve) => setTimeout(resolve, 50));
    retry();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
    expect(batches).toEqual([['first', 'second']]);
  });

  it('takes over the lock of a leader that died, and requeues the write it had taken', async () => {
    const dir = queueDir();
    mkdirSync(dir, { recursive: true });
    // A live leader (this process) holds the lock while the write is queued...
    writeFileSync(join(dir, 'lock'), `${process.pid}@${hostname()}`);
    const published: string[][] = [];
    const outcome = throughQueue(dir, 'mine', async (pending: () => string[]) => {
      const writes = pending();
      published.push(writes);
      return writes.map((w) => `${w} done`);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // ...then takes the write and dies before publishing it.
    const [queued] = readdirSync(dir).filter((name) => name.endsWith('.write'));
    const dead = `${deadPid()}@${hostname()}`;
    renameSync(join(dir, queued), join(dir, `${queued.slice(0, -'.write'.length)}.taken-${dead}`));
    writeFileSync(join(dir, 'lock'), dead);
    expect(await outcome).toBe('mine done');
    expect(published).toEqual([['mine']]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('hands a failed batch back to the queue, for the next leader to publish', async () => {
    const dir = queueDir();
    let calls = 0;
    const publish = async (pending: () => string[]) => {
      const writes = pending();
      if (calls++ === 0) throw new Error('host down');
      return writes;
    };
    await expect(throughQueue(dir, 'a', publish)).rejects.toThrow('host down');
    expect(readdirSync(dir).filter((name) => name.endsWith('.write'))).toHaveLength(1);
    // The next writer publishes both its own write and the one handed back.
    expect(await throughQueue(dir, 'b', publish)).toBe('b');
    expect(calls).toBe(2);
  });

  it('clears, before leading, what killed processes left: their waiting writes, unread outcomes and temporary files, never a live one', async () => {
    const dir = queueDir();
    mkdirSync(dir, { recursive: true });
    const dead = `${deadPid()}@${hostname()}`;
    const alive = `${process.pid}@${hostname()}`;
    const hourAgo = new Date(Date.now() - 3_600_000);
    const files = {
      deadWrite: `0-000001-aaaaaa~${dead}.write`,
      deadDone: `0-000002-bbbbbb~${dead}.done`,
      deadTaken: `0-000003-cccccc~${dead}.taken-${dead}`,
      oldTemp: `0-000004-dddddd~${dead}.write.tmp-1`,
      liveTaken: `0-000005-eeeeee~${dead}.taken-${alive}`,
      liveDone: `0-000006-ffffff~${alive}.done`,
      freshTemp: `0-000007-gggggg~${dead}.done.tmp-1`,
    };
    for (const name of Object.values(files)) writeFileSync(join(dir, name), '"x"');
    utimesSync(join(dir, files.oldTemp), hourAgo, hourAgo);
    const published: string[][] = [];
    expect(await throughQueue(dir, 'mine', async (pending: () => string[]) => {
      published.push(pending());
      return published[0].map(() => 'ok');
    })).toBe('ok');
    expect(published).toEqual([['mine']]);
    expect(readdirSync(dir).sort()).toEqual([files.liveTaken, files.liveDone, files.freshTemp].sort());
  });

  it('queues its write again when it went missing, outcome and all, instead of waiting for it forever', async () => {
    const dir = queueDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lock'), `${process.pid}@${hostname()}`);
    const published: string[][] = [];
    const outcome = throughQueue(dir, 'mine', async (pending: () => string[]) => {
      published.push(pending());
      return published.at(-1)!.map((w) => `${w} done`);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Cleared by a process that judged this one gone (another PID namespace), then the lock's holder dies.
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.write'))) rmSync(join(dir, name));
    writeFileSync(join(dir, 'lock'), `${deadPid()}@${hostname()}`);
    expect(await outcome).toBe('mine done');
    expect(published).toEqual([['mine']]);
  });

  it('leaves the files of processes on other hosts to them for ten minutes: their writes are published, their outcomes kept, then cleared', async () => {
    const dir = queueDir();
    mkdirSync(dir, { recursive: true });
    const elsewhere = `${process.pid}@another-host.tmp-1.example`;
    const [write, done, old] = [`0-000001-aaaaaa~${elsewhere}.write`, `0-000002-bbbbbb~${elsewhere}.done`, `0-000003-cccccc~${elsewhere}.done`];
    for (const name of [write, done, old]) writeFileSync(join(dir, name), '"theirs"');
    const [minuteAgo, hourAgo] = [new Date(Date.now() - 60_000), new Date(Date.now() - 3_600_000)];
    for (const name of [write, done]) utimesSync(join(dir, name), minuteAgo, minuteAgo);
    utimesSync(join(dir, old), hourAgo, hourAgo);
    const published: string[][] = [];
    expect(await throughQueue(dir, 'mine', async (pending: () => string[]) => {
      published.push(pending());
      return published.at(-1)!.map(() => 'ok');
    })).toBe('ok');
    expect(published).toEqual([['theirs', 'mine']]);
    expect(readdirSync(dir).sort()).toEqual([done, write.replace('.write', '.done')].sort());
  });

  it('takes back its write from a leader on another host that no longer holds the lock', async () => {
    const dir = queueDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lock'), `${process.pid}@${hostname()}`);
    const outcome = throughQueue(dir, 'mine', async (pending: () => string[]) => pending().map((w) => `${w} done`));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A leader elsewhere takes the write, then dies: its lock goes, its taken file stays.
    const [queued] = readdirSync(dir).filter((name) => name.endsWith('.write'));
    renameSync(join(dir, queued), join(dir, `${queued.slice(0, -'.write'.length)}.taken-4242@another-host`));
    rmSync(join(dir, 'lock'));
    expect(await outcome).toBe('mine done');
  });
});
