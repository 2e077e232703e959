import type { CheckProblem } from '@junction/config';
import { toBusError } from '@junction/core';
import { compileExpression } from '@junction/transform';
import { z } from 'zod';
import { parameterNames, positionalPlaceholders } from './sql-params';
import { sqlDialectOf } from './sql-url';

/**
 * Route file schema of the SQL connector (PostgreSQL and MariaDB/MySQL): a polled query as a route's source, a
 * parameterised statement as a target. Statements take named parameters only (`:name`), bound by the driver; the
 * database URL belongs in `${ENV}`, its password never in the file.
 */

const sqlUrl = z
  .string()
  .min(1)
  .describe('postgres://user:password@host:5432/db, or mysql:// / mariadb:// for MariaDB and MySQL. Put it in ${ENV}.');
const statement = z.string().min(1).max(100_000);

const CursorSchema = z.strictObject({
  column: z.string().min(1).describe('The row column holding the position (an increasing integer: a serial id, a sequence); its last value acknowledged is kept in the bus store.'),
  initial: z.int().default(0).describe('The position before the first row (the first poll reads rows after it).'),
});

const ClaimSchema = z.strictObject({
  done: statement.describe('Statement run for each row in the transaction that selected it, once the bus took the row (e.g. UPDATE t SET status = \'sent\' WHERE id = :id); its :names are the row\'s columns.'),
});

export const SqlSourceSchema = z
  .strictObject({
    url: sqlUrl,
    query: statement.describe('The SELECT run at each poll. Named parameters: :cursor (the position) and :limit (batch) with a cursor; :limit with claim, which should lock what it reads (FOR UPDATE SKIP LOCKED).'),
    cursor: CursorSchema.optional().describe('Reads rows after a position kept in the bus store, advanced once the bus took them: a restart neither skips nor repeats rows it acknowledged. One instance polls at a time.'),
    claim: ClaimSchema.optional().describe('Selects and marks rows in one transaction held while the bus takes them; instances poll side by side (SKIP LOCKED).'),
    pollMs: z.int().min(10).max(86_400_000).default(1000).describe('Wait between polls when the last one found fewer rows than `batch` (a full batch polls again at once).'),
    batch: z.int().min(1).max(10_000).default(100).describe('Rows read per poll (the :limit parameter).'),
    bodyColumn: z
      .string()
      .min(1)
      .optional()
      .describe('Each row\'s message is this column as it is (text: JSON, XML or text by its first character; bytes; a JSON column as JSON) instead of the row as a JSON object: a transactional outbox table.'),
    as: z.enum(['row', 'batch']).default('row').describe('row (default): each row one message (a JSON object); batch: one message per poll, a JSON array of the rows.'),
  })
  .superRefine((v, ctx) => {
    if ((v.cursor === undefined) === (v.claim === undefined)) ctx.addIssue({ code: 'custom', message: 'expected exactly one of cursor, claim' });
    if (v.bodyColumn !== undefined && v.as === 'batch') ctx.addIssue({ code: 'custom', path: ['bodyColumn'], message: 'a body column makes one message per row: not with as: batch' });
  })
  .describe('Rows polled from a PostgreSQL or MariaDB table, at least once: a row counts as read once the bus took it.');

export const SqlTargetSchema = z
  .strictObject({
    url: sqlUrl,
    statement: statement.describe('INSERT, UPDATE, upsert or CALL with named parameters (:email); never built from message values.'),
    params: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a parameter name' }), z.string().min(1))
      .default({})
      .describe('JSONata per parameter, over the message body (with $headers, $messageId); objects and arrays are bound as JSON text.'),
    batch: z.int().min(1).max(1000).default(50).describe('Deliveries sent together that share one transaction, at most.'),
  })
  .describe('Runs a parameterised statement per message; deliveries sent together share one transaction. A constraint violation is dead-lettered, a lost connection retried.');

export type SqlSourceDef = z.output<typeof SqlSourceSchema>;
export type SqlTargetDef = z.output<typeof SqlTargetSchema>;

const CURSOR_PARAMS = new Set(['cursor', 'limit']);
const CLAIM_PARAMS = new Set(['limit']);

function urlProblems(url: string): CheckProblem[] {
  return sqlDialectOf(url) ? [] : [{ path: ['url'], message: 'expected a postgres://, postgresql://, mysql:// or mariadb:// URL with a host' }];
}

function positionalProblems(sql: string, path: string): CheckProblem[] {
  return positionalPlaceholders(sql) > 0 ? [{ path: [path], message: 'positional placeholders (? or $1) are not bound: use named parameters (:name)' }] : [];
}

/** Offline checks of a source: the URL's dialect, and the query's parameters are the ones the mode binds. */
export function checkSqlSource(config: SqlSourceDef): CheckProblem[] {
  const problems = [...urlProblems(config.url), ...positionalProblems(config.query, 'query')];
  const allowed = config.cursor ? CURSOR_PARAMS : CLAIM_PARAMS;
  const names = parameterNames(config.query);
  for (const name of names) {
    if (!allowed.has(name)) problems.push({ path: ['query'], message: `:${name} is not bound here (expected ${[...allowed].map((a) => `:${a}`).join(', ')})` });
  }
  if (config.cursor && !names.includes('cursor')) problems.push({ path: ['query'], message: 'a cursor query must read rows after :cursor (e.g. WHERE id > :cursor ORDER BY id)' });
  if (config.claim) {
    problems.push(...positionalProblems(config.claim.done, 'claim').map((p) => ({ ...p, path: ['claim', 'done'] })));
    if (parameterNames(config.claim.done).length === 0) problems.push({ path: ['claim', 'done'], message: 'expected the row named by its columns (e.g. WHERE id = :id)' });
  }
  return problems;
}

/** Offline checks of a target: the URL's dialect, every statement parameter mapped and every mapping used, the expressions. */
export function checkSqlTarget(config: SqlTargetDef): CheckProblem[] {
  const problems = [...urlProblems(config.url), ...positionalProblems(config.statement, 'statement')];
  const names = parameterNames(config.statement);
  for (const name of names) {
    if (config.params[name] === undefined) problems.push({ path: ['params'], message: `:${name} in the statement has no mapping in params` });
  }
  for (const [name, expr] of Object.entries(config.params)) {
    if (!names.includes(name)) problems.push({ path: ['params', name], message: `the statement has no :${name}` });
    try {
      compileExpression(expr);
    } catch (err) {
      problems.push({ path: ['params', name], message: toBusError(err).message });
    }
  }
  return problems;
}
