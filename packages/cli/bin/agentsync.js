#!/usr/bin/env node
'use strict';
// Committed as plain JavaScript so npm links the bin at install time, before the build.
require('../dist/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
