/** What the journal's purge keeps (see Store.purgeJournal). Ages in ms. */
export interface RetentionPolicy {
  /** Finished messages received longer ago than this go. */
  readonly ageMs: number;
  /** Routes whose messages have an age of their own instead of `ageMs`. */
  readonly routeAgeMs?: Readonly<Record<string, number>>;
  /** A message with a dead letter not replayed stays at least this long after its dead letter was written. */
  readonly deadLetterAgeMs: number;
  /** When set, the oldest finished messages go ahead of their age while the journal's `usedBytes` exceed this (down
   *  to nine tenths of it, so that a journal near the bound is not purged on every pass). */
  readonly maxBytes?: number;
}

export interface PurgeOptions {
  /** Messages examined and deleted per statement; 500 by default. */
  batch?: number;
  /** Awaited between two batches so that other work on the store goes first; the next turn of the event loop by
   *  default. */
  pause?: () => Promise<void>;
  /** Ends the pass after the batch under way. */
  signal?: AbortSignal;
}

export interface PurgeReport {
  /** Messages deleted, each with its deliveries, attempts and dead letters. */
  messages: number;
  /** Of those, deleted ahead of their age to bring the journal under `maxBytes`. */
  forSize: number;
  /** Statements run. */
  batches: number;
  ms: number;
}

export interface JournalSize {
  /** What the journal takes on disk. SQLite: the database file and its WAL; PostgreSQL: the journal's tables with
   *  their indexes and TOAST. Neither shrinks when rows are deleted: the space is reused for new rows. */
  bytes: number;
  /** Of `bytes`, what holds rows now. SQLite: the pages not on the free list (exact); PostgreSQL: an estimate from
   *  the planner's statistics (live rows times their average width), `bytes` until the tables were analysed. */
  usedBytes: number;
}
