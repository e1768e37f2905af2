import { GitError, UsageError } from '@agentsync/core/errors';
import { describe, expect, it } from 'vitest';
import type { Io } from './io';
import { reportError } from './report-error';

function captured(): { io: Io; err: string[]; out: string[] } {
  const err: string[] = [];
  const out: string[] = [];
  return { io: { cwd: '/', env: {}, isTTY: false, out: (t) => out.push(t), err: (t) => err.push(t) }, err, out };
}

describe('reportError', () => {
  it('reports a typed error with its hint and exit code', () => {
    const { io, err } = captured();
    expect(reportError(new UsageError('bad', { hint: 'do this' }), io, false)).toBe(2);
    expect(err).toEqual(['agentsync: bad', 'How to fix: do this']);
  });

  it('reports a GitError no caller explained as an internal error, at the exit code given', () => {
    const { io, err } = captured();
    const error = new GitError(['rev-parse', 'HEAD'], 128, 'fatal: not a git repository\n');
    expect(reportError(error, io, false, 1)).toBe(1);
    expect(err).toEqual([
      'agentsync: internal error: git rev-parse HEAD exited 128: fatal: not a git repository',
      'Run again with AGENTSYNC_DEBUG=1 to see the details.',
    ]);
    const json = captured();
    expect(reportError(error, json.io, true)).toBe(2);
    expect(JSON.parse(json.out[0]).error.type).toBe('InternalError');
  });
});
