import { epochMs, epochMsOrNull, type Driver } from './entities';
import type { Lease, LeaseStore } from './lease.types';
import type { SqlExecutor } from './sql-executor';
import { numbered } from './sql-statements';

interface LeaseRow {
  name: string;
  owner: string;
  lease_until: number | string;
  tick: number | string | null;
  ticks: number | string;
}

/**
 * The statements of the lease table. Each is one upsert or update whose WHERE decides who wins: on PostgreSQL a
 * second upsert of the same key waits for the first to commit and then evaluates its WHERE on the row the first
 * wrote (READ COMMITTED re-checks an updated row), so two claimants of one tick cannot both see it unclaimed; on
 * SQLite writers take turns. `ON CONFLICT ... DO UPDATE ... WHERE` returns no row when the WHERE refuses.
 */
function statements(driver: Driver) {
  const q = driver === 'postgres' ? numbered : (s: string) => s;
  const greatest = driver === 'postgres' ? 'GREATEST' : 'MAX';
  return {
    // Parameters: name, owner, until, now, now.
    tryLease: q(`INSERT INTO leases (name, owner, lease_until, tick, ticks, updated_at) VALUES (?, ?, ?, NULL, 0, ?)
      ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until,
        updated_at = excluded.updated_at
      WHERE leases.owner = excluded.owner OR leases.lease_until <= ?
      RETURNING name`),
    // Parameters: now, now, name, owner, now.
    releaseLease: q(`UPDATE leases SET lease_until = ?, updated_at = ? WHERE name = ? AND owner = ? AND lease_until > ?`),
    // Parameters: name, owner, hold until, tick, now.
    claimTick: q(`INSERT INTO leases (name, owner, lease_until, tick, ticks, updated_at) VALUES (?, ?, ?, ?, 1, ?)
      ON CONFLICT (name) DO UPDATE SET owner = excluded.owner,
        lease_until = ${greatest}(leases.lease_until, excluded.lease_until), tick = excluded.tick,
        ticks = leases.ticks + 1, updated_at = excluded.updated_at
      WHERE leases.tick IS NULL OR leases.tick < excluded.tick
      RETURNING ticks`),
    readLease: q(`SELECT name, owner, lease_until, tick, ticks FROM leases WHERE name = ?`),
    purgeLeases: q(`DELETE FROM leases WHERE lease_until < ?`),
  };
}

/** The LeaseStore on the store's SQL executor; see LeaseStore for the contract. */
export class SqlLeases implements LeaseStore {
  private readonly sql: ReturnType<typeof statements>;

  constructor(
    driver: Driver,
    private readonly owner: string,
    /** The store's executor; throws StoreError while the store is not open. */
    private readonly exec: () => SqlExecutor,
  ) {
    this.sql = statements(driver);
  }

  async tryLease(key: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const params = [key, this.owner, now + Math.round(leaseMs), now, now];
    const rows = await this.exec().run('taking a lease', (sql) => sql.rows(this.sql.tryLease, params));
    return rows.length > 0;
  }

  async releaseLease(key: string): Promise<boolean> {
    const now = Date.now();
    const changed = await this.exec().run('releasing a lease', (sql) => sql.run(this.sql.releaseLease, [now, now, key, this.owner, now]));
    return changed > 0;
  }

  async claimTick(key: string, tick: number, holdMs: number): Promise<number | null> {
    const now = Date.now();
    const params = [key, this.owner, now + Math.round(holdMs), Math.trunc(tick), now];
    const rows = await this.exec().run('claiming a tick', (sql) => sql.rows<{ ticks: number | string }>(this.sql.claimTick, params));
    return rows.length > 0 ? Number(rows[0].ticks) : null;
  }

  async readLease(key: string): Promise<Lease | null> {
    const rows = await this.exec().run('reading a lease', (sql) => sql.rows<LeaseRow>(this.sql.readLease, [key]));
    if (rows.length === 0) return null;
    const r = rows[0];
    return { key: r.name, owner: r.owner, until: epochMs(r.lease_until), tick: epochMsOrNull(r.tick), ticks: Number(r.ticks) };
  }

  async purgeLeases(olderThanMs: number): Promise<number> {
    const before = Date.now() - Math.max(0, Math.round(olderThanMs));
    return this.exec().run('purging leases', (sql) => sql.run(this.sql.purgeLeases, [before]));
  }
}
