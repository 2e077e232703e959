import { QueryFailedError } from 'typeorm';

/**
 * Waiting for a SQLite file's write lock without stopping the event loop.
 *
 * When another process holds the lock (the other workers of a bus, another instance on the file), SQLite's own busy
 * handler sleeps inside the statement: 1, 2, 5, 10, 15, 20, 25... ms on the calling thread, which for the bus is the
 * event loop, so every request of the process waits too. With two workers on one file that happened on about half of
 * the commits of a sync passthrough at c=10 (strace: 152 sleeps for 264 requests). The store's own connection runs
 * with `busy_timeout = 0` instead, and a statement refused with SQLITE_BUSY (a failed statement has done nothing) is
 * tried again after a short timer, until the same overall wait SQLite would have allowed.
 */
export const SQLITE_LOCK_WAIT_MS = 5000;

/** Pauses between tries, in ms: the holder's transaction usually ends within a millisecond or two. */
const PAUSES_MS = [0, 0, 1, 1, 2, 2, 4];
const LONGEST_PAUSE_MS = 8;

export function isSqliteBusy(err: unknown): boolean {
  const driverError: unknown = err instanceof QueryFailedError ? err.driverError : err;
  const code = (driverError as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs `statement` (synchronous, on better-sqlite3) until it is not refused for a lock, waiting between tries on
 * timers; after `waitMs` the last refusal is thrown (a retriable StoreError once mapped). A statement that succeeds
 * at once costs one call and no promise beyond the caller's.
 */
export function whenUnlocked<T>(statement: () => T, waitMs = SQLITE_LOCK_WAIT_MS): Promise<T> {
  try {
    return Promise.resolve(statement());
  } catch (err) {
    if (!isSqliteBusy(err)) return Promise.reject(err);
  }
  const deadline = Date.now() + waitMs;
  return new Promise<T>((resolve, reject) => {
    let tries = 0;
    const again = () => {
      try {
        resolve(statement());
      } catch (err) {
        if (!isSqliteBusy(err) || Date.now() >= deadline) return reject(err);
        wait();
      }
    };
    const wait = () => {
      const pause = PAUSES_MS[tries++] ?? LONGEST_PAUSE_MS;
      if (pause === 0) setImmediate(again);
      else setTimeout(again, pause);
    };
    wait();
  });
}
