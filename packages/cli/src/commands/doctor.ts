import { diagnose } from '@agentsync/core/setup';
import { openRepo } from '@agentsync/core/git';
import { defineCommand } from '../command';
import { colors, printJson } from '../io';

export default defineCommand({
  help: `Usage: agentsync doctor [--json]

Diagnoses the installation in this worktree and says how to fix each finding:
hooks that git does not run here (core.hooksPath, husky's .husky/_ missing in
a fresh worktree or clone), hook lines that do not call agentsync, the local
binary the hooks call (node_modules/.bin/agentsync), husky and lint-staged
not installed, an invalid .agentsync.json.
Exit 0 when all is well, 1 with findings.

Options:
  --json  print the findings as JSON
`,
  options: {},
  async run({ values, io }) {
    const findings = await diagnose(await openRepo(io.cwd));
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
