'use strict';
/**
 * Preload for profile-hook.mjs (`node -r tools/bench/trace.cjs …`): records,
 * relative to the process start, each require up to TRACE_DEPTH levels deep
 * (inclusive time) and each child process (start to exit), and writes them as
 * JSON to TRACE_OUT when the process exits. It only observes.
 */
const Module = require('node:module');
const childProcess = require('node:child_process');
const { writeFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');

const maxDepth = Number(process.env.TRACE_DEPTH) || 2;
const events = [];
let depth = 0;

const load = Module._load;
Module._load = function tracedLoad(request) {
  const start = performance.now();
  depth++;
  try {
    return load.apply(this, arguments);
  } finally {
    depth--;
    if (depth < maxDepth) events.push({ kind: 'require', depth, what: request, start, ms: performance.now() - start });
  }
};

for (const name of ['execFile', 'spawn']) {
  const original = childProcess[name];
  childProcess[name] = function tracedSpawn(file, args) {
    const start = performance.now();
    const child = original.apply(this, arguments);
    const what = [file, ...(Array.isArray(args) ? args.slice(0, 3) : [])].join(' ');
    child.once('exit', () => events.push({ kind: 'spawn', depth: 0, what, start, ms: performance.now() - start }));
    return child;
  };
}

process.once('exit', () => {
  const bootstrap = performance.nodeTiming.bootstrapComplete;
  events.push({ kind: 'exit', depth: 0, what: 'process exit', start: performance.now(), ms: 0 });
  if (process.env.TRACE_OUT) writeFileSync(process.env.TRACE_OUT, JSON.stringify({ bootstrap, events }));
});
