import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSettings } from '@junction/config';
import { Client } from 'pg';
import { startBus, type RunningBus } from '../../apps/bus/src/bootstrap';

/** The stores every store-touching suite runs against. PostgreSQL is the machine's own (see README). */
export const DRIVERS = ['sqlite', 'postgres'] as const;
export type Driver = (typeof DRIVERS)[number];

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, empty database for one test: a temp SQLite file, or a new PostgreSQL schema dropped at cleanup. */
export async function freshDatabase(driver: Driver, dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (driver === 'sqlite') return { url: `sqlite:${join(dir, 'junction.db')}`, drop: async () => undefined };
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    url: `${PG_URL}?schema=${schema}`,
    drop: async () => {
      const client = new Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

export interface TestBus extends RunningBus {
  readonly routesDir: string;
  readonly databaseUrl: string;
  writeRoute(file: string, yaml: string): void;
  /** Stops the bus and removes its files and database. */
  destroy(): Promise<void>;
}

/**
 * Starts the real bus in this process on a free port, with its own route folder and database. `env` adds to or
 * overrides the settings (all names as in the README's table).
 */
export async function startTestBus(options: {
  routes: Record<string, string>;
  driver?: Driver;
  env?: Record<string, string>;
  databaseUrl?: string;
}): Promise<TestBus> {
  const dir = mkdtempSync(join(tmpdir(), 'junction-e2e-'));
  const routesDir = join(dir, 'routes');
  mkdirSync(routesDir);
  const writeRoute = (file: string, yaml: string) => {
    mkdirSync(dirname(join(routesDir, file)), { recursive: true });
    writeFileSync(join(routesDir, file), yaml);
  };
  for (const [file, yaml] of Object.entries(options.routes)) writeRoute(file, yaml);
  const db = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await freshDatabase(options.driver ?? 'sqlite', dir);
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    ROUTES_DIR: routesDir,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_MS: '20',
    WATCH_ROUTES: 'false',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...options.env,
  };
  const bus = await startBus(loadSettings(env), env);
  return {
    ...bus,
    routesDir,
    databaseUrl: db.url,
    writeRoute,
    destroy: async () => {
      await bus.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The admin token every test bus has unless a test sets its own; `post` and `getJson` send it on /admin and
 *  /metrics calls that carry no Authorization of their own. */
export const TEST_ADMIN_TOKEN = 'test-admin-token';

function withAdminAuth(url: string, headers: Record<string, string>): Record<string, string> {
  const path = new URL(url).pathname;
  const admin = path.startsWith('/admin/') || path === '/metrics';
  const given = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  return admin && !given ? { ...headers, authorization: `Bearer ${TEST_ADMIN_TOKEN}` } : headers;
}

/** POSTs a body to the bus and returns status, headers and the parsed JSON (or text) reply. */
export async function post(
  url: string,
  body: string | object,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const isText = typeof body === 'string';
  const res = await fetch(url, {
    method,
    headers: withAdminAuth(url, { 'content-type': isText ? 'application/xml' : 'application/json', ...headers }),
    body: isText ? body : JSON.stringify(body),
  });
  return readReply(res);
}

/** A fetch response as the tests read it: status, headers, the text, and the parsed JSON when it is JSON. */
export async function readReply(res: Response): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** GETs a JSON document (the admin API) with the given headers. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(url, { headers: withAdminAuth(url, headers) });
  return res.json();
}
