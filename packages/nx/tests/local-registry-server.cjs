'use strict';
// verdaccio on a free port, for local-registry.ts: `node local-registry-server.cjs CONFIG`.
// It reports the port over IPC, and exits when that channel closes, so a test process that
// dies cannot leave a registry running.
const { runServer } = require('verdaccio');

process.on('disconnect', () => process.exit(0));
runServer(process.argv[2]).then((server) => {
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
});
