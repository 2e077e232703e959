import { DeliveryError } from '@junction/core';
import { redactSqlCredentials } from './sql-url';

/**
 * What a database error means for a delivery. Both drivers report the SQLSTATE of a server error (`code` on pg,
 * `sqlState` on mysql2); its class decides: the statement itself is wrong for this message or this database
 * (integrity constraint 23: a unique or foreign key violation; data exception 22; syntax or access rule 42;
 * cardinality 21; a routine's own exception 38, 39, P0 or a SIGNAL 45) and will fail again, so the message is
 * dead-lettered; anything else (a lost or refused connection, a server shutting down 57, a deadlock or
 * serialization failure 40, too many connections 53/08) may pass on a later attempt, and the retry policy decides.
 */
const FINAL_CLASSES = new Set(['21', '22', '23', '2F', '38', '39', '42', '44', '45', 'P0']);

interface DriverError {
  readonly code?: unknown;
  readonly sqlState?: unknown;
  readonly errno?: unknown;
  readonly message?: unknown;
}

/** The SQLSTATE of a server error, or undefined for a client-side one (a socket error, a timeout). */
export function sqlStateOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as DriverError;
  if (typeof e.sqlState === 'string' && /^[0-9A-Z]{5}$/.test(e.sqlState)) return e.sqlState;
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return undefined;
}

/** Whether trying the statement again may succeed (see the classes above): no SQLSTATE, or one outside them. */
export function retriableSqlError(err: unknown): boolean {
  const state = sqlStateOf(err);
  return state === undefined || !FINAL_CLASSES.has(state.slice(0, 2));
}

/** Whether the error says a constraint refused the row (SQLSTATE class 23). */
export function constraintViolation(err: unknown): boolean {
  return sqlStateOf(err)?.startsWith('23') ?? false;
}

/** The driver's message without credentials, with its SQLSTATE. */
export function sqlErrorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const state = sqlStateOf(err);
  const code = typeof (err as DriverError | null)?.code === 'string' && (err as DriverError).code !== state ? ` ${String((err as DriverError).code)}` : '';
  return redactSqlCredentials(`${message}${state ? ` (SQLSTATE ${state})` : code ? ` (${code.trim()})` : ''}`);
}

/** A database error as a delivery failure: non-retriable for a statement the database refused, else retriable. */
export function sqlDeliveryError(err: unknown, description: string): DeliveryError {
  const retriable = retriableSqlError(err);
  const code = constraintViolation(err) ? 'SQL_CONSTRAINT' : retriable ? 'SQL_UNAVAILABLE' : 'SQL_REFUSED';
  return new DeliveryError(code, `${description}: ${sqlErrorText(err)}`, { retriable, cause: err });
}
