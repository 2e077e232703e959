import { type LinkState, type Logger, type MessageSink, type SourceStatus } from '@junction/core';
import type { LeaseStore } from '@junction/store';
import { Backoff } from '../shared/backoff';
import { dispatchUntilTaken } from '../shared/bus-dispatch';
import { sqlErrorText } from './sql-errors';
import { bindValues, parameterNames, translateSql, type TranslatedSql } from './sql-params';
import type { SqlConnection, SqlPool } from './sql-pool';
import { columnIncoming, cursorValue, rowObject, rowsIncoming } from './sql-rows';
import type { SqlSourceDef } from './sql.config';

/** How long a cursor row is kept in the store: for as long as the bus may run (LeaseStore purges by this hold). */
const CURSOR_HOLD_MS = 100 * 365 * 86_400_000;
/**
 * The poll lease, renewed at every poll: how long another instance waits before it takes a cursor over from one that
 * died (at least three polls). A batch in hand for longer than this may be read again by the next holder: duplicates,
 * never a gap.
 */
const MIN_POLL_LEASE_MS = 10_000;

export interface SqlPollerOptions {
  readonly routeId: string;
  readonly config: SqlSourceDef;
  readonly pool: SqlPool;
  readonly leases: LeaseStore;
  readonly log: Logger;
}

/**
 * One route's SQL source on this instance: a loop that polls, hands the rows to the bus and only then moves on.
 * - cursor: takes the route's poll lease (`sql-poll:<routeId>`, so that one instance polls a cursor at a time), reads
 *   the position (`sql-cursor:<routeId>`, a tick in the store's LeaseStore), runs the query after it, hands the rows
 *   to the bus and, once every one was taken, claims the highest position read: a restart reads again from the last
 *   position claimed (at least once: rows taken before a kill but not yet claimed come again).
 * - claim: in one transaction, runs the query (which locks what it reads: FOR UPDATE SKIP LOCKED), hands the rows to
 *   the bus, runs `done` for each, and commits; a kill or an error rolls the transaction back and the rows come again.
 * A row the bus refused is journaled and dead-lettered by the bus and counts as taken. A store outage holds the batch
 * (dispatchUntilTaken); a database error is retried with backoff and shown in the status. After a full batch the
 * source polls again at once, else after `pollMs`. `stop` ends the loop after the batch in hand (see `settled`).
 */
export class SqlPoller {
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private state: LinkState = 'connecting';
  private since = Date.now();
  private error?: string;
  private standby = false;
  private position?: number;
  private readonly counts = { polls: 0, rows: 0, refused: 0 };
  private readonly query: TranslatedSql;
  private readonly done?: TranslatedSql;
  private readonly pollKey: string;
  private readonly cursorKey: string;

  constructor(private readonly options: SqlPollerOptions) {
    const { config, pool, routeId } = options;
    this.query = translateSql(config.query, pool.dialect);
    if (config.claim) this.done = translateSql(config.claim.done, pool.dialect);
    this.pollKey = `sql-poll:${routeId}`;
    this.cursorKey = `sql-cursor:${routeId}`;
  }

  start(sink: MessageSink): void {
    if (this.loop || this.stopped) return;
    this.loop = this.run(sink);
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Resolves once the loop ended (after `stop`, with the batch in hand taken). */
  settled(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  status(): SourceStatus {
    const { config, pool, routeId } = this.options;
    const detail = {
      db: pool.safeUrl,
      mode: config.cursor ? 'cursor' : 'claim',
      ...(config.cursor ? { position: this.position ?? null, standby: this.standby } : {}),
      ...this.counts,
    };
    return { routeId, state: this.stopped ? 'stopped' : this.state, since: this.since, ...(this.error ? { error: this.error } : {}), detail };
  }

  private async run(sink: MessageSink): Promise<void> {
    const backoff = new Backoff(200, 30_000);
    while (!this.stopped) {
      let full = false;
      try {
        full = this.options.config.cursor ? await this.pollCursor(sink) : await this.pollClaim(sink);
        this.counts.polls++;
        this.up();
        backoff.reset();
      } catch (err) {
        if (this.stopped) break;
        this.down(err);
        await this.sleep(backoff.next());
        continue;
      }
      if (!full) await this.sleep(this.options.config.pollMs);
    }
  }

  /** One poll of a cursor query; true when it read a full batch. */
  private async pollCursor(sink: MessageSink): Promise<boolean> {
    const { config, pool, leases } = this.options;
    const cursor = config.cursor!;
    this.standby = !(await leases.tryLease(this.pollKey, Math.max(MIN_POLL_LEASE_MS, config.pollMs * 3)));
    if (this.standby) return false;
    const position = (await leases.readLease(this.cursorKey))?.tick ?? cursor.initial;
    this.position = position;
    const { rows } = await pool.run(this.query, bindValues(this.query, { cursor: position, limit: config.batch }));
    if (rows.length === 0) return false;
    let last = position;
    for (const row of rows) last = Math.max(last, cursorValue(row, cursor.column));
    await this.hand(sink, rows);
    if (last > position) {
      await leases.claimTick(this.cursorKey, last, CURSOR_HOLD_MS);
      this.position = last;
    }
    return rows.length >= config.batch;
  }

  /** One poll of a claim query, in one transaction; true when it read a full batch. */
  private async pollClaim(sink: MessageSink): Promise<boolean> {
    const { config, pool } = this.options;
    const done = this.done!;
    const count = await pool.transaction(async (c: SqlConnection) => {
      const { rows } = await c.run(this.query, bindValues(this.query, { limit: config.batch }));
      if (rows.length === 0) return 0;
      const missing = parameterNames(config.claim!.done).filter((n) => !(n in rows[0]));
      if (missing.length > 0) throw new Error(`claim.done reads :${missing[0]}, which the query's rows have no column for`);
      await this.hand(sink, rows);
      for (const row of rows) await c.run(done, bindValues(done, row));
      return rows.length;
    });
    return count >= config.batch;
  }

  /** Hands the rows to the bus (each a message, or one message of them all) and resolves once the bus took each. */
  private async hand(sink: MessageSink, rows: Record<string, unknown>[]): Promise<void> {
    const { config, pool, routeId, log } = this.options;
    const messages =
      config.as === 'batch'
        ? [rowsIncoming(pool.safeUrl, rows.map(rowObject))]
        : rows.map((r) => (config.bodyColumn ? columnIncoming(pool.safeUrl, r, config.bodyColumn) : rowsIncoming(pool.safeUrl, rowObject(r))));
    const taken = await Promise.all(messages.map((m) => dispatchUntilTaken(sink, routeId, m, () => this.stopped)));
    for (const t of taken) {
      if (t.taken) continue;
      this.counts.refused++;
      log.debug({ routeId, err: t.error.message }, 'the bus refused a row; it was dead-lettered there');
    }
    this.counts.rows += rows.length;
  }

  private up(): void {
    if (this.state === 'connected') return;
    if (this.state === 'reconnecting') this.options.log.info({ routeId: this.options.routeId, db: this.options.pool.safeUrl }, 'SQL source polling again');
    this.state = 'connected';
    this.since = Date.now();
    this.error = undefined;
  }

  private down(err: unknown): void {
    const text = sqlErrorText(err);
    if (this.state !== 'reconnecting' || this.error !== text) {
      this.options.log.warn({ routeId: this.options.routeId, db: this.options.pool.safeUrl, err: text }, 'SQL source poll failed; trying again');
    }
    if (this.state !== 'reconnecting') this.since = Date.now();
    this.state = 'reconnecting';
    this.error = text;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
