import type { SqlDialectName } from './sql-params';

/**
 * Database URLs as the bus reads and shows them. The URL names the dialect by its scheme (`postgres://`,
 * `postgresql://`, `mysql://`, `mariadb://`) and may carry a user name and password (from `${ENV}`): every log line,
 * status and description goes through `safeSqlUrl`, which never returns the userinfo or the query.
 */

const SCHEMES: Readonly<Record<string, SqlDialectName>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mariadb',
  'mariadb:': 'mariadb',
};
const DEFAULT_PORTS: Readonly<Record<SqlDialectName, string>> = { postgres: '5432', mariadb: '3306' };

/** The dialect of a database URL, or undefined when it is not one of postgres://, postgresql://, mysql://, mariadb://. */
export function sqlDialectOf(url: string): SqlDialectName | undefined {
  if (!URL.canParse(url)) return undefined;
  const u = new URL(url);
  if (u.hostname === '') return undefined;
  return SCHEMES[u.protocol];
}

/** `url` without credentials or query: `postgres://127.0.0.1:5432/test`. Text that is not such a URL loses what precedes an `@`. */
export function safeSqlUrl(url: string): string {
  const dialect = sqlDialectOf(url);
  if (!dialect) return redactSqlCredentials(url);
  const u = new URL(url);
  return `${u.protocol}//${u.hostname.toLowerCase()}:${u.port || DEFAULT_PORTS[dialect]}${u.pathname}`;
}

/** `text` with the userinfo of every URL in it removed: driver errors may quote the URL they were given. */
export function redactSqlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1');
}
