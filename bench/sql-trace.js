'use strict';
/**
 * A preload for profiling the bus's store: which SQL statements run, how often, and how long they take. A CPU
 * profile shows SQLite's work only as one opaque `query` frame; this names the statements.
 *
 *   node bench/run.js --scenarios S7-sqlite --bus-node-args "--require ./bench/sql-trace.js" ...
 *   (BENCH_SQL_TRACE=<file> sets where the summary goes; default /tmp/junction-sql-trace-<pid>.json)
 *
 * better-sqlite3 runs statements synchronously, so its times are CPU on the event loop; pg's are round trips
 * (resolved promise minus call), not CPU. Statements are grouped by their text with literals and placeholder
 * lists folded, so that a 100-row insert and a 3-row one count as one kind. Written when the process exits.
 */
const fs = require('node:fs');

const stats = new Map();
const OUT = process.env.BENCH_SQL_TRACE ?? `/tmp/junction-sql-trace-${process.pid}.json`;

function shape(sql) {
  return String(sql)
    .replace(/\s+/g, ' ')
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\(\s*(?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))*\s*\)(?:\s*,\s*\(\s*(?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))*\s*\))*/g, '(...)')
    .replace(/\b\d+\b/g, 'N')
    .trim()
    .slice(0, 300);
}

function record(sql, ms, rows) {
  const key = shape(sql);
  const s = stats.get(key) ?? { sql: key, calls: 0, ms: 0, rows: 0 };
  s.calls++;
  s.ms += ms;
  s.rows += rows;
  stats.set(key, s);
}

function traceSqlite() {
  let Database;
  try {
    Database = require('better-sqlite3');
  } catch {
    return;
  }
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (sql, ...rest) {
    const stmt = prepare.call(this, sql, ...rest);
    for (const method of ['run', 'all', 'get']) {
      const original = stmt[method];
      stmt[method] = function (...args) {
        const t0 = process.hrtime.bigint();
        const result = original.apply(stmt, args);
        const rows = Array.isArray(result) ? result.length : result && typeof result.changes === 'number' ? result.changes : 0;
        record(sql, Number(process.hrtime.bigint() - t0) / 1e6, rows);
        return result;
      };
    }
    return stmt;
  };
  const exec = Database.prototype.exec;
  Database.prototype.exec = function (sql) {
    const t0 = process.hrtime.bigint();
    const result = exec.call(this, sql);
    record(sql, Number(process.hrtime.bigint() - t0) / 1e6, 0);
    return result;
  };
}

function tracePg() {
  let pg;
  try {
    pg = require('pg');
  } catch {
    return;
  }
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    const sql = typeof config === 'string' ? config : config && config.text;
    const t0 = process.hrtime.bigint();
    const result = query.call(this, config, ...rest);
    if (sql && result && typeof result.then === 'function') {
      result.then(
        (r) => record(sql, Number(process.hrtime.bigint() - t0) / 1e6, r && typeof r.rowCount === 'number' ? r.rowCount : 0),
        () => record(sql, Number(process.hrtime.bigint() - t0) / 1e6, 0),
      );
    }
    return result;
  };
}

traceSqlite();
tracePg();

process.on('exit', () => {
  const rows = [...stats.values()].sort((a, b) => b.ms - a.ms).map((s) => ({ ...s, ms: Math.round(s.ms), avgMs: Math.round((s.ms / s.calls) * 1000) / 1000 }));
  fs.writeFileSync(OUT, `${JSON.stringify(rows, null, 2)}\n`);
});
