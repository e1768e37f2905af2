#!/usr/bin/env node
'use strict';
// Committed as plain JavaScript so npm links the bin at install time, before the build.
let main;
try {
  ({ main } = require('../dist/main.js'));
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    // Only in a source checkout: published packages ship dist. Exit 2 also blocks hooks (fail closed).
    process.stderr.write('agentsync: the CLI is not built yet. Run `npx nx run-many -t build` in the AgentSync workspace.\n');
    process.exit(2);
  }
  throw error;
}
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
