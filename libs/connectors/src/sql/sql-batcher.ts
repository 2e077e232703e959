import { sqlDeliveryError, retriableSqlError } from './sql-errors';
import { bindValues, type TranslatedSql } from './sql-params';
import type { SqlPool, SqlResult } from './sql-pool';

interface Pending {
  readonly values: unknown[];
  resolve(result: SqlResult): void;
  reject(err: unknown): void;
}

/**
 * Groups the deliveries one target is handed at the same time into one transaction: sends queue up while a batch is
 * in flight, and the next batch takes up to `max` of them. When a statement of a batch fails for its own row (a
 * constraint violation), the batch is rolled back and its deliveries run again one by one, so that only that row's
 * message fails; when the database is unreachable, every delivery of the batch fails retriably.
 */
export class StatementBatcher {
  private readonly queue: Pending[] = [];
  private running = false;

  constructor(
    private readonly pool: SqlPool,
    private readonly sql: TranslatedSql,
    private readonly max: number,
    private readonly description: string,
  ) {}

  /** Runs the statement with `named` values (in a batch with others sent meanwhile); rejects with a DeliveryError. */
  submit(named: Readonly<Record<string, unknown>>): Promise<SqlResult> {
    const values = bindValues(this.sql, named);
    return new Promise<SqlResult>((resolve, reject) => {
      this.queue.push({ values, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Let the sends of this turn of the event loop join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.runBatch(this.queue.splice(0, this.max));
    this.running = false;
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.runOne(batch[0]);
    let results: SqlResult[];
    try {
      results = await this.pool.transaction(async (c) => {
        const out: SqlResult[] = [];
        for (const p of batch) out.push(await c.run(this.sql, p.values));
        return out;
      });
    } catch (err) {
      if (retriableSqlError(err)) {
        const failure = sqlDeliveryError(err, this.description);
        for (const p of batch) p.reject(failure);
        return;
      }
      // One row was refused: the others did nothing (rolled back) and go again, each in its own transaction.
      for (const p of batch) await this.runOne(p);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]));
  }

  private async runOne(p: Pending): Promise<void> {
    try {
      p.resolve(await this.pool.run(this.sql, p.values));
    } catch (err) {
      p.reject(sqlDeliveryError(err, this.description));
    }
  }
}
