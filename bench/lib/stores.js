'use strict';
/**
 * The message stores the buses run on: a SQLite file of their own in the run's temp folder, or a fresh schema in
 * the machine's PostgreSQL (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test),
 * dropped afterwards. The bus creates its tables itself (migrations at start).
 */
const path = require('node:path');

const PG_URL = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function pgQuery(sql) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether PostgreSQL answers; the reason when it does not (S7-pg is then skipped, not failed). */
async function postgresProblem() {
  try {
    await pgQuery('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${PG_URL.replace(/\/\/[^@/]*@/, '//')} does not answer: ${err.message}`;
  }
}

/** `{ url, drop() }` for a fresh store of the given kind; `name` keeps the files of several buses apart. */
function freshStore(kind, dir, name) {
  if (kind === 'sqlite') return { url: `sqlite:${path.join(dir, `${name}.db`)}`, drop: async () => undefined };
  const schema = `bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return {
    url: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`,
    drop: () => pgQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
  };
}

module.exports = { freshStore, postgresProblem };
