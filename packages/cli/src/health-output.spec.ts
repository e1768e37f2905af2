import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HealthCheck } from '@agentsync/core/health';
import { progress } from './health-output';
import type { Io } from './io';

function recordingIo(options: { isTTY: boolean; live: boolean }) {
  const lines: string[] = [];
  const live: string[] = [];
  const io: Io = {
    cwd: '/',
    env: { NO_COLOR: '1' },
    out: (text) => lines.push(`out: ${text}`),
    err: (text) => lines.push(`err: ${text}`),
    isTTY: options.isTTY,
    liveLine: options.live ? (text) => live.push(text) : undefined,
  };
  return { io, lines, live };
}

const check: HealthCheck = { name: 'test', run: 'npm test', timeoutMs: 1000 };

describe('progress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks a live line on a terminal, then clears it for the result', () => {
    vi.useFakeTimers();
    const { io, lines, live } = recordingIo({ isTTY: true, live: true });
    const shown = progress(io);
    shown.onStart(check);
    vi.advanceTimersByTime(600);
    expect(live).toEqual(['running test 0.3s', 'running test 0.5s']);
    shown.onResult({ name: 'test', status: 'pass', durationMs: 700, outputTail: '' });
    expect(live.at(-1)).toBe('');
    expect(lines).toEqual(['err: pass test 0.7s']);
    vi.advanceTimersByTime(1000);
    expect(live).toHaveLength(3);
  });

  it('writes plain lines where either stream is not a terminal', () => {
    for (const options of [{ isTTY: false, live: true }, { isTTY: true, live: false }]) {
      const { io, lines, live } = recordingIo(options);
      const shown = progress(io);
      shown.onStart(check);
      shown.stop();
      expect(lines).toEqual(['err: running test…']);
      expect(live).toEqual([]);
    }
  });
});
