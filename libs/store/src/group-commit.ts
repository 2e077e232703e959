import { BusError, StoreError } from '@junction/core';

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items submitted while a batch is being written go into the next batch, so that many concurrent
 * callers share one transaction (one commit) instead of queueing for one each. A batch starts on the next turn of the
 * event loop (`setImmediate`), so that callers woken by the same I/O phase share the first batch too.
 *
 * An item whose submitter does not wait for it (`lingers`: a record written after its reply) may wait up to
 * `lingerMs` for others to share its commit: fewer, larger transactions cost less CPU per item, and on a SQLite file
 * shared by several processes, fewer lock hand-overs. Any other item, a `flushed` or a `close` starts the batch at
 * once.
 *
 * `write` writes a batch in one transaction and returns one result per item, in order. A batch that fails with a
 * non-retriable error (one item's duplicate id, one item's NOT_FOUND) has been rolled back as a whole: it is written
 * again item by item, so that only the culprit fails. A retriable failure (database unreachable) fails the batch.
 */
export class GroupCommit<T, R = void> {
  private queue: Pending<T, R>[] = [];
  private running: Promise<void> | null = null;
  private start: { readonly soon: boolean; cancel(): void } | null = null;
  private closed = false;
  // Items submitted and items settled (written or failed), counted in order, for `flushed`.
  private submitted = 0;
  private settled = 0;
  private flushWaiters: { upTo: number; resolve: () => void }[] = [];

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 1000,
    private readonly lingerMs = 0,
  ) {}

  /** Resolves with the item's result once its batch is committed; rejects with the write's error. */
  submit(item: T, lingers = false): Promise<R> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    return new Promise<R>((resolve, reject) => {
      this.submitted++;
      this.queue.push({ item, resolve, reject });
      this.schedule(!lingers || this.lingerMs === 0 || this.queue.length >= this.maxBatch);
    });
  }

  /**
   * Resolves once every item submitted before the call is settled (written, or failed), however many arrive after
   * it: a reader that must see what this process has already handed over (read-your-writes) waits for that much only,
   * never for a queue that keeps filling under load.
   */
  flushed(): Promise<void> {
    if (this.settled >= this.submitted) return Promise.resolve();
    const upTo = this.submitted;
    this.schedule(true);
    return new Promise<void>((resolve) => this.flushWaiters.push({ upTo, resolve }));
  }

  /** Stops taking items and waits until everything submitted is written. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushed();
  }

  /** Starts a batch on the next turn (`soon`) or after the linger, unless one is being written or starts sooner. */
  private schedule(soon: boolean): void {
    if (this.running || this.queue.length === 0) return;
    if (this.start) {
      if (this.start.soon || !soon) return;
      this.start.cancel();
    }
    if (soon) {
      const handle = setImmediate(() => this.begin());
      this.start = { soon, cancel: () => clearImmediate(handle) };
    } else {
      const handle = setTimeout(() => this.begin(), this.lingerMs);
      this.start = { soon, cancel: () => clearTimeout(handle) };
    }
  }

  private begin(): void {
    this.start = null;
    this.running = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      await this.writeBatch(batch);
      this.settled += batch.length;
      if (this.flushWaiters.length > 0) this.wakeFlushWaiters();
    }
    this.running = null;
  }

  private wakeFlushWaiters(): void {
    const waiting = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of waiting) {
      if (w.upTo <= this.settled) w.resolve();
      else this.flushWaiters.push(w);
    }
  }

  private async writeBatch(batch: Pending<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.write(batch.map((p) => p.item));
    } catch (err) {
      if (batch.length === 1 || !(err instanceof BusError) || err.retriable) {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) await this.writeBatch([p]);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]));
  }
}
