import { diskHost } from '@agentsync/core/fs-host';
import { tryGit, openRepo } from '@agentsync/core/git';
import { detectHealthCommands, initRepository, writeTrackerAttributes } from '@agentsync/core/init';
import { writeAgentInstructions } from '@agentsync/core/instructions';
import { agentsyncVersion, huskyVersion } from '@agentsync/core/versions';
import { defineCommand } from '../command';
import { printJson } from '../io';

export default defineCommand({
  help: `Usage: agentsync init [--json]

Scaffolds AgentSync into this repository (for repos without Nx; in an Nx
workspace use \`nx g @agentsync/nx:init\`, which does the same):
  .agentsync.json   configuration, with $schema and health checks found in package.json
  AgentTracker.md   the shared tracker
  .husky/*          pre-commit, commit-msg and pre-push hooks calling agentsync
  AGENTS.md, CLAUDE.md, .github/copilot-instructions.md, GEMINI.md
                    a managed section telling each agent tool the protocol
  .gitattributes    AgentTracker.md merged by AgentSync's merge driver
  package.json      husky and @agentsync/cli as devDependencies, "prepare": "husky"
Never overwrites a file you changed, never runs a package install, and a
second run changes nothing. Where another hook manager owns the hooks it
prints the lines to add there instead.

Options:
  --json  print the changes as JSON
`,
  options: {},
  async run({ values, io }) {
    const repo = await openRepo(io.cwd);
    const host = diskHost(repo.root);
    const gitHooksPath = (await tryGit(['config', '--get', 'core.hooksPath'], { cwd: repo.root }))?.trim() || undefined;
    const result = initRepository(host, {
      healthCommands: detectHealthCommands(host),
      gitHooksPath,
      cliVersion: agentsyncVersion,
      huskyVersion,
    });
    // What the Nx init generator adds around initRepository too, so the two scaffold the same.
    result.changed.push(...writeAgentInstructions(host));
    writeTrackerAttributes(host, result);
    if (values.json) {
      printJson(io, { ok: true, ...result });
      return 0;
    }
    for (const { path, action } of result.changed) io.out(`${action} ${path}`);
    for (const note of result.notes) io.out(note);
    if (result.changed.length === 0) io.out('AgentSync is already set up here; nothing changed.');
    else if (result.changed.some((c) => c.path === 'package.json')) io.out('Run your package manager\'s install to activate the hooks.');
    return 0;
  },
});
