import type { Driver } from './entities';

/**
 * Statements on the leases of claimed deliveries and messages, beside the claims (SqlStatements): a worker keeps the
 * deliveries it is still running and the messages it is still routing (renew), and puts back the deliveries a
 * throttle or a circuit breaker holds back (defer). Both touch only
 * pending rows this instance holds. Ids come as one array (PostgreSQL) or one JSON array (SQLite), so that each text
 * stays fixed and prepared.
 */
export class DeliveryLeaseStatements {
  /** Parameters from `renewParams`; returns the ids renewed. */
  readonly renew: string;
  /** The same for messages being routed (status 'received'). */
  readonly renewMessages: string;
  /** Parameters from `deferParams`. */
  readonly defer: string;

  constructor(private readonly driver: Driver) {
    const ids = driver === 'postgres' ? 'id = ANY($1::text[])' : 'id IN (SELECT value FROM json_each(?))';
    const p = (n: number) => (driver === 'postgres' ? `$${n}` : '?');
    const minusOne = driver === 'postgres' ? 'GREATEST(claim_count - 1, 0)' : 'MAX(claim_count - 1, 0)';
    this.renew = `UPDATE deliveries SET lease_until = ${p(2)}
      WHERE ${ids} AND status = 'pending' AND lease_owner = ${p(3)} RETURNING id`;
    this.renewMessages = `UPDATE messages SET lease_until = ${p(2)}
      WHERE ${ids} AND status = 'received' AND lease_owner = ${p(3)} RETURNING id`;
    // The claim is uncounted (it ended without an attempt, by the worker's choice) and no attempt is spent.
    this.defer = `UPDATE deliveries SET lease_owner = NULL, lease_until = NULL, claim_count = ${minusOne},
        next_attempt_at = ${p(2)}, updated_at = ${p(3)}
      WHERE ${ids} AND status = 'pending' AND lease_owner = ${p(4)}`;
  }

  // SQLite binds `?` in the order they stand in the text; PostgreSQL by number.
  renewParams(ids: readonly string[], leaseUntil: number, owner: string): unknown[] {
    return this.driver === 'postgres' ? [ids, leaseUntil, owner] : [leaseUntil, JSON.stringify(ids), owner];
  }

  deferParams(ids: readonly string[], dueAt: number, now: number, owner: string): unknown[] {
    return this.driver === 'postgres' ? [ids, dueAt, now, owner] : [dueAt, now, JSON.stringify(ids), owner];
  }
}
