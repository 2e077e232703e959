/** A lease row as stored: who holds the key and until when, and the last tick claimed under it. Times are epoch ms. */
export interface Lease {
  readonly key: string;
  /** The instance id of the store that took the lease or claimed the last tick. */
  readonly owner: string;
  readonly until: number;
  /** The highest tick claimed under this key; null when the key only served as a lease. */
  readonly tick: number | null;
  /** How many ticks were claimed under this key, by every instance together. */
  readonly ticks: number;
}

/**
 * State that instances of the bus sharing one store must agree on: named leases (one holder at a time, taken over once
 * they run out) and ticks (numbered occurrences, each claimed once). Camel's `IdempotentRepository` and a cluster
 * service's leader lease are the model. Schedules claim their ticks here; aggregation groups, idempotency keys and
 * polling cursors take their leases here too.
 *
 * The owner is always this store's instance id (as for outbox claims), and times come from this process's clock: a
 * lease is only as exact as the clocks of the instances agree. Every call is one atomic statement: of concurrent
 * callers on one key, on one database, exactly one wins; on PostgreSQL the row lock orders them, on SQLite the single
 * writer does. Rejects with StoreError when the database cannot be reached: the caller then holds nothing.
 *
 * A key serves one purpose: leases (`tryLease`, `releaseLease`) or ticks (`claimTick`). Keys are short text, named by
 * their user with a prefix of its own (`schedule:<routeId>`). Rows stay until `purgeLeases` removes those that ran
 * out long ago; whoever takes leases purges now and then, so that the table stays as small as the set of live keys.
 */
export interface LeaseStore {
  /**
   * Takes the lease `key` for `leaseMs`: granted when no one holds it, when its holder's lease has run out (a
   * take-over), or when this instance holds it already (a renewal, which moves the end). Resolves true when this
   * instance holds the lease now, false when another does.
   */
  tryLease(key: string, leaseMs: number): Promise<boolean>;
  /** Ends this instance's lease on `key` at once, so another may take it. False when this instance did not hold it. */
  releaseLease(key: string): Promise<boolean>;
  /**
   * Claims occurrence `tick` of `key` (a schedule's tick time, a cursor position): granted only when `tick` is greater
   * than every tick claimed under `key` before, by any instance, so that an occurrence is claimed once and ticks are
   * claimed in order, whatever the instances' clocks say. Whoever holds the key's lease plays no part. The key's row
   * is kept for at least `holdMs` (see `purgeLeases`). Resolves with the number of ticks claimed under `key` so far,
   * this one included (1, 2, 3...: a sequence shared by every instance), or null when refused.
   */
  claimTick(key: string, tick: number, holdMs: number): Promise<number | null>;
  /** The row of `key`, or null when there is none. */
  readLease(key: string): Promise<Lease | null>;
  /** Deletes the rows whose lease or hold ended more than `olderThanMs` ago. Resolves with how many went. */
  purgeLeases(olderThanMs: number): Promise<number>;
}
