import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startChildProcess, type RunningChild } from '@junction/testing';
import { TEST_ADMIN_TOKEN } from './test-bus';

/** The built bus, run exactly as `npm start` runs it (build first: `npm run build`). */
export const BUS_MAIN = resolve(__dirname, '..', '..', 'dist', 'apps', 'bus', 'src', 'main.js');

export interface ChildBus {
  readonly child: RunningChild;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
}

/**
 * Starts the built bus as a child process on a free port, with one route file written into `<dir>/<name>-routes`
 * and the given database, and resolves once /health answers. The admin token is TEST_ADMIN_TOKEN unless `env` sets
 * one; the caller stops the child (kill -9 tests kill it themselves).
 */
export async function startChildBus(options: {
  dir: string;
  name: string;
  routes: string;
  databaseUrl: string;
  env?: Record<string, string>;
}): Promise<ChildBus> {
  const routesDir = join(options.dir, `${options.name}-routes`);
  mkdirSync(routesDir, { recursive: true });
  writeFileSync(join(routesDir, 'routes.yaml'), options.routes);
  const port = await freePort();
  const child = await startChildProcess(process.execPath, [BUS_MAIN], {
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      ROUTES_DIR: routesDir,
      DATABASE_URL: options.databaseUrl,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      WATCH_ROUTES: 'false',
      ...options.env,
    },
    readyUrl: `http://127.0.0.1:${port}/health`,
    readyTimeoutMs: 60_000,
  });
  return { child, url: `http://127.0.0.1:${port}` };
}
