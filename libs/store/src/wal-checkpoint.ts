/**
 * Keeps the originals of masked values from lingering in a SQLite write-ahead log. An accepted message is written
 * whole; once it is routed or delivered the store replaces its payload with the masked copy, but the frames that
 * held the original stay in the `-wal` file until a checkpoint copies the pages back and the log is truncated (the
 * database file itself is covered by `secure_delete`, which zeroes the bytes a row gives up). The store reports
 * each commit that wrote masked copies; a TRUNCATE checkpoint follows within `delayMs`, one for every burst, so a
 * steady stream of masked messages costs one checkpoint per interval, and routes that mask nothing cost nothing.
 */
export class WalCheckpoint {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  private failuresInARow = 0;

  /**
   * @param checkpoint runs `PRAGMA wal_checkpoint(TRUNCATE)`; its failure (another process reading, the store
   *   closing) is reported to `failed` (with how many failed in a row) and it is tried again `delayMs` later, until
   *   one succeeds.
   */
  constructor(
    private readonly checkpoint: () => Promise<void>,
    private readonly delayMs: number,
    private readonly failed: (err: unknown, inARow: number) => void,
  ) {}

  /** A commit replaced originals with masked copies: a checkpoint follows within `delayMs`. */
  masked(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running
        .then(() => this.checkpoint())
        .then(
          () => void (this.failuresInARow = 0),
          (err) => {
            this.failed(err, ++this.failuresInARow);
            this.masked();
          },
        );
    }, this.delayMs);
    this.timer.unref();
  }

  /** Drops a pending checkpoint (closing the last connection checkpoints and removes the log) and waits for one
   *  that runs. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
