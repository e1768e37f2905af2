import { diagnose } from '@agentsync/core/setup';
import { openRepo } from '@agentsync/core/git';
import { defineCommand } from '../command';
import { colors, printJson } from '../io';

export default defineCommand({
  description: `
Diagnoses the installation in this worktree and says how to fix each finding:
hooks that git does not run here (core.hooksPath not .agentsync/hooks, or
husky's per-checkout .husky/_), an incomplete .agentsync/hooks, hook lines that
do not call agentsync, no agentsync for the hooks to find (this worktree's or
the main worktree's node_modules, PATH), lint-staged not installed, an invalid
.agentsync.json.
Exit 0 when all is well, 1 with findings.
`,
  json: 'print the findings as JSON',
  options: {},
  async run({ values, io }) {
    const findings = await diagnose(await openRepo(io.cwd), io.env);
    if (values.json) {
      printJson(io, { ok: findings.length === 0, findings });
      return findings.length === 0 ? 0 : 1;
    }
    const c = colors(io);
    if (findings.length === 0) io.out('agentsync doctor: all good: the hooks run AgentSync in this worktree.');
    for (const finding of findings) io.out(`${c.red('✗')} ${finding.check}: ${finding.problem}\n  ${c.dim('fix:')} ${finding.fix}`);
    return findings.length === 0 ? 0 : 1;
  },
});
