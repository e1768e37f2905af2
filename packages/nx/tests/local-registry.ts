/**
 * A throwaway npm registry for end-to-end tests: verdaccio in a child process of its own, on a
 * free port of 127.0.0.1. It serves `@agentsync/*` from its storage, published without a login,
 * and proxies every other package to the public registry.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STARTUP_TIMEOUT = 30_000;

export interface LocalRegistry {
  /** Where npm finds it, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** The npm config line `npm publish` needs: any token will do, verdaccio takes it for anonymous. */
  authLine: string;
  /** Stops the server and waits until it has exited. */
  stop(): Promise<void>;
}

/** Starts verdaccio with its config, storage and log in `dir`; resolves once it listens. */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yaml');
  const log = join(dir, 'verdaccio.log');
  // YAML is a superset of JSON.
  writeFileSync(
    config,
    JSON.stringify({
      storage: join(dir, 'storage'),
      uplinks: { npmjs: { url: 'https://registry.npmjs.org/' } },
      packages: {
        '@agentsync/*': { access: '$anonymous', publish: '$anonymous' },
        '**': { access: '$all', proxy: 'npmjs' },
      },
      web: { enable: false },
      log: { type: 'stdout', format: 'pretty', level: 'warn' },
    }),
  );
  // The log goes to a file, not a pipe: the tests block this process in spawnSync for minutes,
  // and a pipe nobody reads would stall the server once full.
  const logFd = openSync(log, 'w');
  // A process group of its own, so that stop() ends all of it.
  const child = spawn(process.execPath, [join(__dirname, 'local-registry-server.cjs'), config], {
    stdio: ['ignore', logFd, logFd, 'ipc'],
    detached: true,
  });
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  };

  const port = await new Promise<number>((resolve, reject) => {
    const settle = (error: Error | undefined, port?: number) => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit);
      if (error) reject(error);
      else resolve(port!);
    };
    const onMessage = (message: { port: number }) => settle(undefined, message.port);
    const onExit = () => settle(new Error('exited before it listened'));
    const timer = setTimeout(() => settle(new Error(`did not listen within ${STARTUP_TIMEOUT / 1000} s`)), STARTUP_TIMEOUT);
    child.on('message', onMessage).on('exit', onExit);
  }).catch(async (error: Error) => {
    await stop();
    throw new Error(`verdaccio ${error.message}:\n${readFileSync(log, 'utf8')}`);
  });
  const url = `http://127.0.0.1:${port}/`;
  return { url, authLine: `//127.0.0.1:${port}/:_authToken=anonymous`, stop };
}
