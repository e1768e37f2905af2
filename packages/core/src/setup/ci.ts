/** The CI workflow `agentsync init --ci github` writes: verify every pull request's commits, and report into the step summary. */
import type { FileHost } from './file-host';

export const GITHUB_WORKFLOW_PATH = '.github/workflows/agentsync.yml';

/** A GitHub Actions workflow that fetches refs/agentsync/*, runs verify on the pull request's range and appends the report to the step summary. */
function githubWorkflow(): string {
  return `# Written by agentsync init --ci github. Re-checks every commit of a pull request
# as the AgentSync hooks would have, so commits made with --no-verify are caught.
name: AgentSync

on:
  pull_request:

permissions:
  contents: read

jobs:
  verify:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - name: Fetch the coordination refs
        run: git fetch --no-tags origin '+refs/agentsync/*:refs/agentsync/*' || echo "No refs/agentsync/* on the remote yet."
      - uses: actions/setup-node@v4
        with:
          node-version: 22
      - name: Install
        run: npm ci
      - name: Verify the pull request's commits
        run: npx --no-install agentsync verify --range "\${{ github.event.pull_request.base.sha }}..\${{ github.event.pull_request.head.sha }}"
      - name: AgentSync report in the step summary
        if: always()
        run: npx --no-install agentsync report --branch "origin/\${{ github.event.pull_request.base.ref }}" --markdown >> "$GITHUB_STEP_SUMMARY"
`;
}

/** Writes the workflow unless the file exists; returns whether it wrote. */
export function writeGithubWorkflow(host: FileHost): boolean {
  if (host.read(GITHUB_WORKFLOW_PATH) !== undefined) return false;
  host.write(GITHUB_WORKFLOW_PATH, githubWorkflow());
  return true;
}
