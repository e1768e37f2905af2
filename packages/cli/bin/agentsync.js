#!/usr/bin/env node
'use strict';
// Committed as plain JavaScript so npm links the bin at install time, before the build.
let main;
try {
  ({ main } = require('../dist/main.js'));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    // Only in a source checkout: published packages ship dist. `setup` runs from the install
    // script before any build, so it must not fail the install; anything else fails, and a hook
    // failing blocks (fail closed).
    const setup = process.argv[2] === 'setup';
    process.stderr.write(`agentsync: the CLI is not built yet${setup ? '; skipping setup' : ''}. Run \`npx nx run-many -t build\` in the AgentSync workspace.\n`);
    process.exit(setup ? 0 : 2);
  }
  throw error;
}
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
