/**
 * The README's first command ends in the demo (tools/demo/demo.mjs): it must run
 * through, on the hooks init installs, and read well.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from './fixture';

describe('npm run demo', () => {
  it('says what it seeds, runs on the hooks init installs, and shows why the failing check fails', async () => {
    const demo = resolve(__dirname, '../../../tools/demo/demo.mjs');
    // An inherited FORCE_COLOR made Node warn about the demo's NO_COLOR.
    const result = await runProgram(process.execPath, [demo], { cwd: resolve(__dirname, '../../..'), env: { FORCE_COLOR: '1' } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('seeded with a package.json, one source file (src/api/users.ts)');
    expect(result.stdout).toContain('you$ git config core.hooksPath\n  .agentsync/hooks\n');
    expect(result.stdout).not.toContain('.githooks');
    expect(result.stdout).toContain('| src/api/users.ts no longer exports users');
    expect(result.stdout).not.toMatch(/no output|NO_COLOR|not built yet/);
    expect(result.stdout).toContain('Demo finished: every step behaved as expected.');
  }, 120_000);
});
