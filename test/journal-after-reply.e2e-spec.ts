import { Client } from 'pg';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { PrometheusText } from '../libs/telemetry/src/testing/prometheus-text';
import { DRIVERS, getJson, PG_URL, post, startTestBus, TEST_ADMIN_TOKEN, type Driver, type TestBus } from './support/test-bus';

/**
 * When a sync exchange's record is committed (JOURNAL_SUCCESSES). The store's tables are locked against writes by
 * another connection, as another process could: SQLite's file by `BEGIN IMMEDIATE` (the store waits up to its 5 s
 * lock wait), PostgreSQL's messages table by `LOCK TABLE ... IN EXCLUSIVE MODE` (reads go on). Whether a reply arrives
 * while the lock is held shows whether it waited for its record.
 */
const ROUTES = {
  'proxy.yaml': `
routes:
  - id: proxy
    from: { http: { path: /proxy } }
    mode: sync
    to: [{ id: backend, http: { url: "\${TARGET_URL}/backend" }, retry: { attempts: 1 } }]
  - id: failing
    from: { http: { path: /failing } }
    mode: sync
    to: [{ id: broken, http: { url: "\${TARGET_URL}/broken" }, retry: { attempts: 1 } }]
`,
};

// better-sqlite3 ships no types of its own; the test needs three calls of it.
const Database = require('better-sqlite3') as new (file: string) => { exec(sql: string): void; close(): void };

interface WriteLock {
  release(): Promise<void>;
}

/** Holds the store's write lock from a connection of its own until released. */
async function lockForWrites(driver: Driver, databaseUrl: string): Promise<WriteLock> {
  if (driver === 'sqlite') {
    const db = new Database(databaseUrl.replace(/^sqlite:/, ''));
    db.exec('BEGIN IMMEDIATE');
    return {
      release: async () => {
        db.exec('ROLLBACK');
        db.close();
      },
    };
  }
  const schema = new URL(databaseUrl).searchParams.get('schema')!;
  const client = new Client({ connectionString: PG_URL });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE "${schema}".messages IN EXCLUSIVE MODE`);
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** Runs `body` with the lock held, releasing it when `body` has not. */
async function withLock(driver: Driver, bus: TestBus, body: (release: () => Promise<void>) => Promise<void>): Promise<void> {
  const lock = await lockForWrites(driver, bus.databaseUrl);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await lock.release();
  };
  try {
    await body(release);
  } finally {
    await release();
  }
}

/** A promise's outcome so far, without waiting for it. */
function watch<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled, promise };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const admin = (bus: TestBus, path: string) => fetch(`${bus.url}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });

describe.each(DRIVERS)('journal of sync successes after the reply (JOURNAL_SUCCESSES) on %s', (driver) => {
  let target: TargetServer;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => (req.path === '/broken' ? { status: 500, body: { error: 'down' } } : { status: 200, body: { ok: true } }),
    });
  });
  afterAll(async () => {
    await target?.close();
  });

  describe('after-reply (the default)', () => {
    let bus: TestBus;
    beforeAll(async () => {
      bus = await startTestBus({ routes: ROUTES, driver, env: { TARGET_URL: target.url } });
      // The schema and the first records exist before any lock is taken.
      expect((await post(`${bus.url}/proxy`, { warm: true })).status).toBe(200);
    });
    afterAll(async () => {
      await bus?.destroy();
    });

    test('a success is answered while the journal cannot commit, and an admin read waits for its record', async () => {
      await withLock(driver, bus, async (release) => {
        const reply = await post(`${bus.url}/proxy`, { n: 1 });
        expect(reply.status).toBe(200);
        expect(reply.json).toEqual({ ok: true });
        const id = reply.headers.get('x-message-id')!;

        // The record is not committed yet, but the admin read waits for what this process handed over.
        const read = watch(admin(bus, `/admin/messages/${id}`));
        await pause(300);
        expect(read.settled()).toBe(false);
        await release();
        const res = await read.promise;
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ id, routeId: 'proxy', status: 'delivered' });
      });
    });

    test('a failure is still committed before its caller gets the error', async () => {
      await withLock(driver, bus, async (release) => {
        const reply = watch(post(`${bus.url}/failing`, { n: 2 }));
        // Well within SQLite's 5 s lock wait: the caller is held until the dead letter is committed.
        await pause(1500);
        expect(reply.settled()).toBe(false);
        await release();
        const res = await reply.promise;
        expect(res.status).toBe(502);
        const letters = await getJson(`${bus.url}/admin/dead-letters?route=failing`);
        expect(letters.map((l: { messageId: string }) => l.messageId)).toContain(res.json.messageId);
      });
    });

    if (driver === 'sqlite') {
      // PostgreSQL waits for a lock without a limit of its own; SQLite's store gives up after 5 s.
      test('a record that cannot be written after the reply is counted, and the caller kept its answer', async () => {
        const failures = async () => new PrometheusText(await (await admin(bus, '/metrics')).text()).sum('junction_journal_write_failures_total', { route: 'proxy' });
        await withLock(driver, bus, async () => {
          const reply = await post(`${bus.url}/proxy`, { n: 3 });
          expect(reply.status).toBe(200);
          await waitUntil(async () => (await failures()) > 0, 30_000, 'the failed record to be counted');
        });
        expect(await failures()).toBe(1);
        // The bus goes on journaling once the store is free again.
        const after = await post(`${bus.url}/proxy`, { n: 4 });
        expect(after.status).toBe(200);
        expect(await getJson(`${bus.url}/admin/messages/${after.headers.get('x-message-id')}`)).toMatchObject({ status: 'delivered' });
      });
    }
  });

  describe('before-reply', () => {
    let bus: TestBus;
    beforeAll(async () => {
      bus = await startTestBus({ routes: ROUTES, driver, env: { TARGET_URL: target.url, JOURNAL_SUCCESSES: 'before-reply' } });
      expect((await post(`${bus.url}/proxy`, { warm: true })).status).toBe(200);
    });
    afterAll(async () => {
      await bus?.destroy();
    });

    test('a success waits for its record before it is answered', async () => {
      await withLock(driver, bus, async (release) => {
        const reply = watch(post(`${bus.url}/proxy`, { n: 5 }));
        await pause(1500);
        expect(reply.settled()).toBe(false);
        await release();
        const res = await reply.promise;
        expect(res.status).toBe(200);
        const id = res.headers.get('x-message-id')!;
        expect(await getJson(`${bus.url}/admin/messages/${id}`)).toMatchObject({ id, status: 'delivered' });
      });
    });
  });
});
