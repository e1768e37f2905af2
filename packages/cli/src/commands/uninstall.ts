import { openRepo } from '@agentsync/core/git';
import { diskHost, diskUninstallContext, removeCoordinationRefs, uninstall } from '@agentsync/core/setup';
import { defineCommand } from '../command';
import { printJson } from '../io';

export default defineCommand({
  description: `
Takes AgentSync out of this repository, as husky's uninstall does, and
nothing else: AgentSync's line in each .husky hook (a hook left empty goes),
the committed .agentsync/hooks and core.hooksPath (back to husky's .husky/_
where husky still has hooks), "agentsync setup" in package.json's install
script, the tracker's merge driver (git config and .gitattributes), the
managed section of AGENTS.md, CLAUDE.md, .github/copilot-instructions.md and
GEMINI.md, the agent tools' own hooks and the script they run, the MCP
server's registration in each agent tool's config, the Agent Skill and the
session commands, and the Nx plugin in nx.json (each part
of the installation has its remover in core's uninstall module).

Kept: .agentsync.json and AgentTracker.md (yours to delete), every line that
is not AgentSync's, and the packages: run \`npm uninstall @agentsync/cli\`
after it. Other clones keep their git config until they run it too.
`,
  json: 'print what was removed as JSON',
  options: { refs: { type: 'boolean', description: 'also delete refs/agentsync/* (sessions, claims and their history) in\nthis clone; a coordination remote keeps its copy' } },
  async run({ values, io }) {
    const repo = await openRepo(io.cwd);
    const removed = await uninstall(diskUninstallContext(repo.root, diskHost(repo.root)));
    const refs = values.refs ? await removeCoordinationRefs(repo.root) : [];
    if (values.json) {
      printJson(io, { ok: true, removed, refs });
      return 0;
    }
    for (const line of removed) io.out(line);
    if (refs.length > 0) io.out(`deleted ${refs.length} ref(s) under refs/agentsync/`);
    io.out(removed.length + refs.length === 0 ? 'AgentSync is not installed here; nothing changed.' : 'Kept .agentsync.json and AgentTracker.md; run `npm uninstall @agentsync/cli` to remove the package.');
    return 0;
  },
});
