import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStore } from './create-store';
import { whenUnlocked } from './sqlite-lock-wait';
import { newMessage } from './testing/store-fixtures';

/** The part of better-sqlite3 these tests use (the package ships no types). */
interface RawDatabase {
  readonly inTransaction: boolean;
  pragma(text: string): unknown;
  exec(text: string): unknown;
  close(): void;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Database = require('better-sqlite3') as new (file: string) => RawDatabase;

describe('waiting for a SQLite lock held by another connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'junction-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Another writer on the file (as another worker process would be), with busy_timeout 0: it never waits itself. */
  function otherWriter(file: string) {
    const db = new Database(file);
    db.pragma('busy_timeout = 0');
    return db;
  }

  it('lets the event loop run while the store waits, and writes once the other writer lets go', async () => {
    const file = join(dir, 'held.db');
    const store = createStore({ url: `sqlite:${file}` });
    await store.init();
    const other = otherWriter(file);
    const timers: NodeJS.Timeout[] = [];
    try {
      other.exec('BEGIN IMMEDIATE');
      // Released by a timer of this same thread: a store that slept inside SQLite's busy handler would hold the
      // thread, the timer could not fire, and the write would fail with SQLITE_BUSY after the busy timeout.
      let turns = 0;
      timers.push(setInterval(() => turns++, 5), setTimeout(() => other.exec('COMMIT'), 300));
      const m = newMessage();
      await store.acceptMessage(m);
      expect(turns).toBeGreaterThan(5);
      expect((await store.getMessage(m.id))?.id).toBe(m.id);
      // A claim is a write outside a transaction: it waits the same way.
      other.exec('BEGIN IMMEDIATE');
      timers.push(setTimeout(() => other.exec('COMMIT'), 200));
      expect((await store.claimMessages(10, 1000)).map((x) => x.id)).toEqual([m.id]);
    } finally {
      for (const t of timers) clearTimeout(t);
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await store.close();
    }
  });

  it('gives up with SQLITE_BUSY after the wait it was allowed, and passes other errors at once', async () => {
    const file = join(dir, 'stuck.db');
    const holder = otherWriter(file);
    const waiter = otherWriter(file);
    try {
      holder.exec('CREATE TABLE t (x)');
      holder.exec('BEGIN IMMEDIATE');
      let tries = 0;
      const attempt = whenUnlocked(() => {
        tries++;
        return waiter.exec('BEGIN IMMEDIATE');
      }, 150);
      await expect(attempt).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      expect(tries).toBeGreaterThan(3);
      let calls = 0;
      const refused = whenUnlocked(() => {
        calls++;
        throw Object.assign(new Error('no such table: missing'), { code: 'SQLITE_ERROR' });
      });
      await expect(refused).rejects.toMatchObject({ code: 'SQLITE_ERROR', message: 'no such table: missing' });
      expect(calls).toBe(1);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      waiter.close();
    }
  });
});
