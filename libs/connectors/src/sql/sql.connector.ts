import type { ConnectorModule } from '../shared/connector-module';
import { SqlPools } from './sql-pool';
import { SqlSourceSchema, SqlTargetSchema, checkSqlSource, checkSqlTarget, type SqlSourceDef, type SqlTargetDef } from './sql.config';
import { SqlEgress } from './sql.egress';
import { SqlIngress } from './sql.ingress';
import { safeSqlUrl } from './sql-url';

/**
 * PostgreSQL and MariaDB/MySQL tables (Camel's sql and jdbc components): a polled query as a source (a cursor kept in
 * the bus store, or rows claimed and marked in one transaction), a parameterised statement as a target. The dialect
 * comes from the URL's scheme; one connection pool per URL is shared by both sides.
 */
export const sqlConnector: ConnectorModule<SqlSourceDef, SqlTargetDef> = {
  kind: 'sql',
  title: 'PostgreSQL and MariaDB tables: polled queries (cursor or claim), parameterised statements in batched transactions',
  source: SqlSourceSchema,
  target: SqlTargetSchema,
  settings: [],
  // No sourceKeys: each route keeps its own cursor, and claim queries share tables by design (SKIP LOCKED).
  targetId: (config) => {
    const safe = safeSqlUrl(config.url);
    return URL.canParse(safe) ? `${new URL(safe).host}${new URL(safe).pathname}` : 'sql';
  },
  check: { source: checkSqlSource, target: checkSqlTarget },
  create: ({ store, log }) => {
    const pools = new SqlPools(log);
    return { ingress: new SqlIngress(pools, store.leases, log), egress: new SqlEgress(pools) };
  },
};
