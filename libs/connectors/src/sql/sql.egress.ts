import { ConfigError, type EgressConnector, type EgressEndpoint, type EndpointContext, type Message, type Reply } from '@junction/core';
import { BytesBody, compileExpression, type CompiledExpression } from '@junction/transform';
import { StatementBatcher } from './sql-batcher';
import { parameterNames, translateSql } from './sql-params';
import type { SqlPool, SqlPools } from './sql-pool';
import { sqlDialectOf } from './sql-url';
import type { SqlTargetDef } from './sql.config';

/** Rows of a statement's answer (RETURNING, a procedure's result set) put in the reply, at most. */
const MAX_REPLY_ROWS = 100;

/**
 * SQL delivery: one parameterised statement per message (INSERT, UPDATE, upsert, CALL), its `:name` parameters
 * translated once at load into the dialect's placeholders and bound by the driver from JSONata expressions over the
 * message. Deliveries handed to one target at the same time share a transaction (StatementBatcher). The reply is
 * `{"rowCount": n}`, with the rows when the statement returned some. `endpoint` does no I/O: the pool connects on
 * the first send.
 */
export class SqlEgress implements EgressConnector<SqlTargetDef> {
  readonly kind = 'sql';
  private readonly held: SqlPool[] = [];

  constructor(private readonly pools: SqlPools) {}

  endpoint(config: SqlTargetDef, _context?: EndpointContext): EgressEndpoint {
    const dialect = sqlDialectOf(config.url);
    if (!dialect) throw new ConfigError('expected a postgres://, mysql:// or mariadb:// URL');
    const names = parameterNames(config.statement);
    const missing = names.filter((n) => config.params[n] === undefined);
    if (missing.length > 0) throw new ConfigError(`:${missing[0]} in the statement has no mapping in params`);
    const sql = translateSql(config.statement, dialect);
    const params: Array<[string, CompiledExpression]> = names.map((n) => [n, compileExpression(config.params[n], { step: `params.${n}` })]);
    const readsBody = params.some(([, e]) => e.readsInput);
    const pool = this.pools.acquire(config.url);
    this.held.push(pool);
    const description = `sql ${firstWords(config.statement)} at ${pool.safeUrl}`;
    const batcher = new StatementBatcher(pool, sql, config.batch, description);
    return {
      description,
      send: async (message: Message): Promise<Reply> => {
        const input = readsBody ? message.body.value() : undefined;
        const bindings = { headers: message.headers, messageId: message.id, correlationId: message.correlationId };
        const named: Record<string, unknown> = {};
        for (const [name, expr] of params) named[name] = parameterValue(await expr.evaluate(input, bindings));
        const result = await batcher.submit(named);
        const body = result.rows.length > 0 ? { rowCount: result.rowCount, rows: result.rows.slice(0, MAX_REPLY_ROWS) } : { rowCount: result.rowCount };
        return { status: 200, headers: {}, body: new BytesBody(Buffer.from(JSON.stringify(body)), 'application/json') };
      },
    };
  }

  async close(): Promise<void> {
    const held = this.held.splice(0);
    for (const pool of held) await this.pools.release(pool);
  }
}

/** A value as bound: text, number, boolean and null as they are; objects and arrays as JSON text; nothing as NULL. */
function parameterValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** The statement's first words (`INSERT INTO contacts`), for descriptions: never its parameters' values. */
function firstWords(statement: string): string {
  return statement.trim().split(/\s+/).slice(0, 3).join(' ');
}
