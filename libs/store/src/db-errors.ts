import { BusError, StoreError } from '@junction/core';
import { QueryFailedError } from 'typeorm';

/**
 * Maps anything a database call threw onto the error tree. Data the database refuses (a duplicate id, a broken
 * reference, a value it cannot take) is a non-retriable `STORE_REJECTED`: the same write fails again. Everything else
 * (connection lost, database locked, disk full) is a retriable StoreError. BusErrors pass through.
 */
export function toStoreError(err: unknown, what: string): BusError {
  if (err instanceof BusError) return err;
  const driverError: unknown = err instanceof QueryFailedError ? err.driverError : err;
  const message = driverError instanceof Error ? driverError.message : String(driverError);
  if (isRejectedData(driverError)) {
    return new BusError('STORE_REJECTED', `${what}: the database rejected the data: ${message}`, {
      retriable: false,
      cause: err,
    });
  }
  return new StoreError(`${what} failed: ${message}`, err);
}

function isRejectedData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  // SQLite extended codes (SQLITE_CONSTRAINT_PRIMARYKEY, ...); PostgreSQL classes 22 (data exception) and
  // 23 (integrity constraint violation).
  return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || /^2[23][0-9A-Z]{3}$/.test(code);
}

/** PostgreSQL gave up a transaction to break a deadlock (40P01) or a serialization conflict (40001): the same work
 *  in smaller transactions succeeds. Looks through `cause` (StoreError wraps the driver's error). */
export function isLockConflict(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const driverError: unknown = e instanceof QueryFailedError ? e.driverError : e;
    const code = (driverError as { code?: unknown }).code;
    if (code === '40P01' || code === '40001') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
