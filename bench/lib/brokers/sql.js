'use strict';
/**
 * SQL tables for S11 (the shape is in index.js), one module per dialect: a fresh table per cell on the PostgreSQL of
 * the test suite (BENCH_DATABASE_URL / TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test) or the
 * MariaDB (BENCH_MARIADB_URL / TEST_MARIADB_URL, else mysql://root@127.0.0.1:3306/test), dropped afterwards. The
 * "publisher" inserts rows holding the message in `body`, 500 per statement, committed on return; the route reads
 * them after a cursor, the cell's parallelism rows per poll.
 */
const pg = require('pg');
const mysql = require('mysql2/promise');

const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB_URL = process.env.BENCH_MARIADB_URL ?? process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
const PER_STATEMENT = 500;

/** The URL as messages show it: without user and password. */
const shown = (url) => url.replace(/\/\/[^@/]*@/, '//');

const DIALECTS = {
  postgres: {
    url: PG_URL,
    serial: 'id bigserial PRIMARY KEY',
    async connect() {
      const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
      client.on('error', () => undefined);
      await client.connect();
      return { query: (sql, values) => client.query(sql, values), close: () => client.end() };
    },
    placeholders: (n) => Array.from({ length: n }, (_, i) => `($${i + 1})`).join(', '),
  },
  mariadb: {
    url: MARIADB_URL,
    serial: 'id bigint AUTO_INCREMENT PRIMARY KEY',
    async connect() {
      const u = new URL(MARIADB_URL);
      const conn = await mysql.createConnection({
        host: u.hostname,
        port: Number(u.port || 3306),
        user: decodeURIComponent(u.username) || 'root',
        password: decodeURIComponent(u.password) || undefined,
        database: u.pathname.slice(1),
        connectTimeout: 3_000,
      });
      conn.on('error', () => undefined);
      return { query: (sql, values) => conn.query(sql, values), close: () => conn.end() };
    },
    placeholders: (n) => Array.from({ length: n }, () => '(?)').join(', '),
  },
};

function dialectModule(name, title) {
  const d = DIALECTS[name];

  async function withConnection(fn) {
    const c = await d.connect();
    try {
      return await fn(c);
    } finally {
      await c.close().catch(() => undefined);
    }
  }

  async function problem() {
    try {
      await withConnection((c) => c.query('SELECT 1'));
      return undefined;
    } catch (err) {
      return `no ${title} answers at ${shown(d.url)}: ${err.message}`;
    }
  }

  async function open({ id, parallelism }) {
    const table = `bench_${id.toLowerCase().replace(/[^a-z0-9]/g, '_')}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    await withConnection((c) => c.query(`CREATE TABLE ${table} (${d.serial}, body text NOT NULL)`));
    let removed;
    const remove = () =>
      (removed ??= withConnection((c) => c.query(`DROP TABLE IF EXISTS ${table}`)).then(
        () => undefined,
        () => undefined,
      ));
    return { name: `table ${table}`, env: { BENCH_SQL_URL: d.url, BENCH_TABLE: table, BENCH_BATCH: String(parallelism) }, remove, table };
  }

  async function publisher(destination) {
    const c = await d.connect();
    return {
      /** Rows of `body`, PER_STATEMENT per INSERT; resolves once every one is committed (autocommit). */
      async publish(body, count) {
        const text = body.toString('utf8');
        for (let done = 0; done < count; done += PER_STATEMENT) {
          const n = Math.min(PER_STATEMENT, count - done);
          await c.query(`INSERT INTO ${destination.table} (body) VALUES ${d.placeholders(n)}`, Array(n).fill(text));
        }
      },
      close: () => c.close(),
    };
  }

  return { name: title, busEnv: {}, problem, open, publisher };
}

module.exports = { postgres: dialectModule('postgres', 'PostgreSQL'), mariadb: dialectModule('mariadb', 'MariaDB') };
