import { createServer, connect, type Server, type Socket } from 'node:net';
import { DeliveryError, Message, silentLogger } from '@junction/core';
import { freePort, waitUntil } from '@junction/testing';
import { BytesBody } from '@junction/transform';
import { SqlPools } from '../libs/connectors/src/sql/sql-pool';
import { SqlTargetSchema } from '../libs/connectors/src/sql/sql.config';
import { SqlEgress } from '../libs/connectors/src/sql/sql.egress';
import { TEST_DIALECTS, testDb, uniqueTable, type TestDb, type TestDialect } from '../libs/connectors/src/sql/testing/databases';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

const EVIL = "'; DROP TABLE x; --";

/** A TCP relay on `port` to the database, started when the test says: a database that comes up later. */
async function relay(port: number, to: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(to, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The URL of the test database through another host and port, or with a name for its connections. */
function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

/** Ends, server-side, every connection the bus holds to the test database (its own user or application name). */
async function killConnections(db: TestDb, who: string): Promise<number> {
  if (db.dialect === 'postgres') {
    const rows = await db.query(`SELECT pg_terminate_backend(pid) AS k FROM pg_stat_activity WHERE application_name = $1`, [who]);
    return rows.length;
  }
  const rows = await db.query<{ id: number }>(`SELECT id FROM information_schema.processlist WHERE user = ?`, [who]);
  for (const r of rows) await db.exec(`KILL CONNECTION ${Number(r.id)}`);
  return rows.length;
}

function message(id: string, body: object): Message {
  return new Message(id, id, { kind: 'test', address: 'sql-target' }, {}, new BytesBody(Buffer.from(JSON.stringify(body)), 'application/json'), Date.now());
}

describe.each(TEST_DIALECTS)('SQL target on %s', (dialect: TestDialect) => {
  let db: TestDb;
  let bus: TestBus;
  const contacts = uniqueTable('contacts');
  const bait = uniqueTable('x');
  const who = uniqueTable('jt');
  let laterPort: number;
  let busUrl: string;

  beforeAll(async () => {
    db = await testDb(dialect);
    await db.exec(`CREATE TABLE ${contacts} (email varchar(200) PRIMARY KEY, name varchar(400) NOT NULL)`);
    await db.exec(`CREATE TABLE ${bait} (a int)`);
    // The bus connects under a name of its own, so that the test can end its connections and no one else's.
    if (dialect === 'postgres') {
      const u = new URL(db.url);
      u.searchParams.set('application_name', who);
      busUrl = u.toString();
    } else {
      await db.exec(`CREATE USER '${who}'@'%'`);
      await db.exec(`GRANT ALL ON test.* TO '${who}'@'%'`);
      const u = new URL(db.url);
      u.username = who;
      busUrl = u.toString();
    }
    laterPort = await freePort();
    const insert = `INSERT INTO ${contacts} (email, name) VALUES (:email, :name)`;
    // At least once: a connection lost during COMMIT leaves it unknown whether the row was written, and the retry
    // may meet it; a target that must take a second delivery harmlessly is an upsert (as the README says).
    const upsert =
      dialect === 'postgres' ? `${insert} ON CONFLICT (email) DO UPDATE SET name = excluded.name` : `${insert} ON DUPLICATE KEY UPDATE name = VALUES(name)`;
    const target = (id: string, url: string, statement = insert) => `
      - id: ${id}
        sql:
          url: ${url}
          statement: ${statement}
          params: { email: email, name: "firstName & ' ' & lastName" }
        retry: { attempts: 30, backoffMs: 100, maxBackoffMs: 1000 }`;
    bus = await startTestBus({
      routes: {
        'sql.yaml': `
routes:
  - id: contacts
    from: { http: { path: /contacts } }
    to:${target('db', '${BUS_DB_URL}')}
  - id: contacts-upsert
    from: { http: { path: /contacts-upsert } }
    to:${target('db-upsert', '${BUS_DB_URL}', upsert)}
  - id: contacts-later
    from: { http: { path: /later } }
    to:${target('db-later', '${LATER_DB_URL}')}
`,
      },
      env: { BUS_DB_URL: busUrl, LATER_DB_URL: withPort(busUrl, laterPort), WORKER_CONCURRENCY: '8' },
    });
  });
  afterAll(async () => {
    await bus?.destroy();
    if (dialect === 'mariadb') await db?.exec(`DROP USER IF EXISTS '${who}'@'%'`);
    await db?.cleanup(contacts, bait);
  });

  const journal = (id: string) => getJson(`${bus.url}/admin/messages/${id}`);
  const names = async (email: string) => (await db.query<{ name: string }>(`SELECT name FROM ${contacts} WHERE email = ${dialect === 'postgres' ? '$1' : '?'}`, [email])).map((r) => r.name);

  it('stores values holding SQL as text, and every table is still there', async () => {
    const email = `${EVIL.replace('x', bait)}@example.com`;
    const r = await post(`${bus.url}/contacts`, { email, firstName: EVIL.replace('x', bait), lastName: 'Robert"); DROP TABLE students; --' });
    expect(r.status).toBe(202);
    await waitUntil(async () => (await journal(r.json.messageId)).status === 'delivered', 30_000, 'delivered');
    expect(await names(email)).toEqual([`${EVIL.replace('x', bait)} Robert"); DROP TABLE students; --`]);
    expect(await db.query(`SELECT count(*) AS n FROM ${bait}`)).toHaveLength(1);
    console.log(`sql target injection (${dialect}): 1 row stored as text, table ${bait} still there`);
  });

  it('dead-letters a unique violation at once, without retrying it', async () => {
    const first = await post(`${bus.url}/contacts`, { email: 'dup@example.com', firstName: 'A', lastName: 'One' });
    await waitUntil(async () => (await journal(first.json.messageId)).status === 'delivered', 30_000, 'first delivered');
    const second = await post(`${bus.url}/contacts`, { email: 'dup@example.com', firstName: 'B', lastName: 'Two' });
    await waitUntil(async () => (await journal(second.json.messageId)).status === 'dead', 30_000, 'second dead-lettered');
    const detail = await journal(second.json.messageId);
    expect(detail.deliveries[0].attempts).toHaveLength(1);
    expect(detail.deadLetters[0].reason.code).toBe('SQL_CONSTRAINT');
    expect(detail.deadLetters[0].reason.message).not.toContain('@127.0.0.1');
    expect(await names('dup@example.com')).toEqual(['A One']);
    console.log(`sql target unique violation (${dialect}): 1 delivered, 1 dead-lettered after ${detail.deliveries[0].attempts.length} attempt`);
  });

  it('retries across connections the server ended, and delivers every message', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await post(`${bus.url}/contacts-upsert`, { email: `k${i}@example.com`, firstName: 'K', lastName: String(i) })).json.messageId);
    await waitUntil(async () => (await journal(ids[0])).status === 'delivered', 30_000, 'first delivered');
    const killed = await killConnections(db, who);
    for (let i = 20; i < 60; i++) ids.push((await post(`${bus.url}/contacts-upsert`, { email: `k${i}@example.com`, firstName: 'K', lastName: String(i) })).json.messageId);
    const killedAgain = await killConnections(db, who);
    for (let i = 60; i < 100; i++) ids.push((await post(`${bus.url}/contacts-upsert`, { email: `k${i}@example.com`, firstName: 'K', lastName: String(i) })).json.messageId);
    const statuses = async () => Promise.all(ids.map(async (id) => (await journal(id)).status as string));
    const tally = (all: string[]) => Object.entries(all.reduce<Record<string, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {}));
    let deadLetters: unknown;
    await waitUntil(
      async () => {
        const all = await statuses();
        const dead = ids.find((_, i) => all[i] === 'dead');
        // A dead-lettered message will not be delivered: stop, and say why, instead of waiting out the limit.
        if (dead) deadLetters = (await journal(dead)).deadLetters;
        if (dead || all.every((s) => s === 'delivered')) return true;
        throw new Error(`statuses ${JSON.stringify(tally(all))}`);
      },
      90_000,
      'all 100 delivered',
      500,
    );
    expect(deadLetters).toBeUndefined();
    const attempts = (await Promise.all(ids.map(async (id) => (await journal(id)).deliveries[0].attempts.length))).reduce((a, b) => a + b, 0);
    const rows = Number((await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${contacts} WHERE email LIKE 'k%'`))[0].n);
    console.log(`sql target killed connections (${dialect}): 100 messages, ${killed}+${killedAgain} connections killed, ${rows} rows, ${attempts} attempts`);
    expect(rows).toBe(100);
  });

  it('retries while the database port is closed, and delivers once it comes up', async () => {
    const r = await post(`${bus.url}/later`, { email: 'later@example.com', firstName: 'L', lastName: 'Ater' });
    expect(r.status).toBe(202);
    await waitUntil(async () => (await journal(r.json.messageId)).deliveries[0]?.attempts.length >= 2, 30_000, 'two failed attempts');
    const up = await relay(laterPort, dialect === 'postgres' ? 5432 : 3306);
    try {
      await waitUntil(async () => (await journal(r.json.messageId)).status === 'delivered', 30_000, 'delivered once the port is up');
      const detail = await journal(r.json.messageId);
      console.log(`sql target port up later (${dialect}): delivered after ${detail.deliveries[0].attempts.length} attempts`);
      expect(detail.deliveries[0].attempts.length).toBeGreaterThanOrEqual(3);
      expect(await names('later@example.com')).toEqual(['L Ater']);
    } finally {
      await up.close();
    }
  });

  it('sends deliveries handed over together in one transaction, and only the violating one fails', async () => {
    const table = uniqueTable('batch');
    await db.exec(`CREATE TABLE ${table} (k int PRIMARY KEY)`);
    const egress = new SqlEgress(new SqlPools(silentLogger));
    try {
      const endpoint = egress.endpoint(SqlTargetSchema.parse({ url: db.url, statement: `INSERT INTO ${table} (k) VALUES (:k)`, params: { k: 'k' }, batch: 50 }), { routeId: 'batch', baseDir: '.' });
      const ks = Array.from({ length: 100 }, (_, i) => (i === 70 ? 3 : i));
      const outcomes = await Promise.allSettled(ks.map((k, i) => endpoint.send(message(`b${i}`, { k }))));
      const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, o.reason] as const] : []));
      expect(failed.map(([i]) => i)).toEqual([70]);
      expect(failed[0][1]).toBeInstanceOf(DeliveryError);
      expect((failed[0][1] as DeliveryError).retriable).toBe(false);
      const rows = Number((await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
      expect(rows).toBe(99);
      let transactions = 'n/a';
      if (dialect === 'postgres') {
        // Rows written by one transaction share its id (xmin).
        transactions = String((await db.query<{ n: string }>(`SELECT count(DISTINCT xmin::text) AS n FROM ${table}`))[0].n);
        expect(Number(transactions)).toBeLessThan(99);
      }
      console.log(`sql target batch (${dialect}): 100 sends at once, ${rows} rows, 1 refused, ${transactions} transactions`);
    } finally {
      await egress.close();
      await db.exec(`DROP TABLE ${table}`);
    }
  });
});
