import { BusError, StoreError } from '@junction/core';

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items submitted while a batch is being written go into the next batch, so that many concurrent
 * callers share one transaction (one fsync) instead of queueing for one each. A batch starts on the next turn of the
 * event loop (`setImmediate`), so that callers woken by the same I/O phase share the first batch too.
 *
 * A batch that the database rejects as a whole with a non-retriable error (one item's duplicate id) is written again
 * item by item, so that only the culprit fails; a retriable failure (database unreachable) fails the whole batch.
 */
export class GroupCommit<T> {
  private queue: Pending<T>[] = [];
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 1000,
  ) {}

  /** Resolves once the item is committed; rejects with the write's error. */
  submit(item: T): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= new Promise<void>((started) => setImmediate(started)).then(() => this.drain());
    });
  }

  /** Stops taking items and waits until everything submitted is written. */
  async close(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      await this.writeBatch(batch);
    }
    this.running = null;
  }

  private async writeBatch(batch: Pending<T>[]): Promise<void> {
    try {
      await this.write(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1 || !(err instanceof BusError) || err.retriable) {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) await this.writeBatch([p]);
    }
  }
}
