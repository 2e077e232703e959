import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BusError, BusyError } from '@junction/core';
import { revive, type TaskReply, type WorkerTask } from './worker-task';

/** Settings of a pool (the bus takes them from XML_WORKERS and its neighbours). */
export interface WorkerPoolOptions {
  /** Worker threads at most; 0: none, every task runs on the caller's thread. */
  readonly size: number;
  /** Inputs of at least this many bytes go to a worker; smaller ones are cheaper on the caller's thread. */
  readonly threshold: number;
  /** Tasks that may wait for a worker before callers that would rather be refused are (see `run`). */
  readonly backlog: number;
  /**
   * Bytes of input that may wait for a worker, beside `backlog`: a few huge bodies fill the backlog as many mid-size
   * ones do. A body alone in the backlog is taken whatever its size (else it could never run). Default: 4 MiB a place
   * (64 MiB for the bus's default backlog of 16: eight 8 MB bodies at once are all taken, sixteen 10 MB ones are not).
   */
  readonly backlogBytes?: number;
  /** Heap of one worker in MB (V8's old generation): a task that needs more ends its worker and fails. */
  readonly heapMb: number;
  /**
   * Nice value of the worker threads (Linux), above the event loop's so that it runs first when the cores are busy;
   * default 0: the same priority.
   */
  readonly nice?: number;
  /** The error a task fails with when its worker ran out of heap. */
  readonly outOfMemory: (heapMb: number) => BusError;
  /** A worker idle this long is ended, giving its heap back; default 10 s. */
  readonly idleMs?: number;
}

/** What a caller wants when every worker is busy and the backlog is full: a BusyError, or its turn however long. */
export type WhenBusy = 'refuse' | 'wait';

interface Job {
  readonly request: { module: string; name: string; input: unknown };
  /** Bytes of its input, as the backlog counts them (weightOf). */
  readonly bytes: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  startedAt?: number;
}

const FROM_SOURCES = __filename.endsWith('.ts');
const MAIN = join(__dirname, 'worker-main');
const DEFAULT_IDLE_MS = 10_000;
/** The default `backlogBytes` a place in the backlog. */
const BACKLOG_BYTES_A_PLACE = 4 * 1024 * 1024;

/**
 * A few worker threads for work too large for the event loop (parsing big XML bodies): the bus keeps answering
 * health checks and small messages while they run. Workers start on first use and end after a while idle. Tasks
 * run one per worker, first come first served; callers at the edge (`whenBusy: 'refuse'`) are refused with a
 * BusyError once `backlog` tasks wait, so that a burst costs callers a 503 rather than the bus its memory and
 * latency; the backlog is bounded in bytes as well (`backlogBytes`), the wait being about proportional to them.
 * `refusal` tells the edge before it reads a body whether it would be refused, so that a refused caller's body is
 * never read. Internal callers (`'wait'`) are bounded by their own concurrency. A worker's heap is capped, so that one
 * task cannot grow the process beyond it. `close` ends every worker and fails what has not finished.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly waiting: Job[] = [];
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private waitingBytes = 0;
  private readonly backlogBytes: number;
  private started = 0;
  private closed = false;
  /** Moving average of task durations, for Retry-After. */
  private averageMs = 100;

  constructor(private readonly options: WorkerPoolOptions) {
    this.backlogBytes = options.backlogBytes ?? options.backlog * BACKLOG_BYTES_A_PLACE;
  }

  /** Whether an input of `bytes` goes to a worker. */
  takes(bytes: number): boolean {
    return this.options.size > 0 && bytes >= this.options.threshold;
  }

  /** Workers running and tasks waiting, for status pages and tests. */
  figures(): { workers: number; busy: number; waiting: number; waitingBytes: number } {
    return { workers: this.started, busy: this.busy.size, waiting: this.waiting.length, waitingBytes: this.waitingBytes };
  }

  /**
   * The BusyError `run` would refuse an input of `bytes` with now (`whenBusy: 'refuse'`), else undefined: the input
   * goes to a worker, none is free, and the backlog is full in bodies or would overflow in bytes. The HTTP edge asks
   * with a request's declared Content-Length before reading its body.
   */
  refusal(bytes: number): BusyError | undefined {
    if (this.closed || !this.takes(bytes)) return undefined;
    if (this.idle.length > 0 || this.started < this.options.size) return undefined;
    const n = this.waiting.length;
    if (n < this.options.backlog && (n === 0 || this.waitingBytes + bytes <= this.backlogBytes)) return undefined;
    const retryAfterMs = Math.max(1000, Math.ceil(((n + 1) * this.averageMs) / Math.max(1, this.options.size)));
    return new BusyError('WORKERS_BUSY', `every worker is busy and ${n} large bodies (${this.waitingBytes} bytes) wait; try again later`, retryAfterMs);
  }

  /**
   * Runs `task` on a worker. Rejects with the task's own error, with `outOfMemory` when its worker ran out of heap,
   * with a BusyError when `whenBusy` is 'refuse' and the backlog is full, and once closed with a BusyError
   * SHUTTING_DOWN; a worker that failed otherwise gives a retriable WORKER_FAILED.
   */
  run<I, O>(task: WorkerTask<I, O>, input: I, whenBusy: WhenBusy): Promise<O> {
    if (this.closed) return Promise.reject(shuttingDown());
    const bytes = weightOf(input);
    if (whenBusy === 'refuse') {
      // Counted as a large body whatever its size: the caller chose the worker.
      const refused = this.refusal(Math.max(bytes, this.options.threshold));
      if (refused) return Promise.reject(refused);
    }
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ request: { module: task.module, name: task.name, input }, bytes, resolve: resolve as (v: unknown) => void, reject });
      this.waitingBytes += bytes;
      this.next();
    });
  }

  /** Ends every worker; running and waiting tasks fail with a BusyError SHUTTING_DOWN. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(shuttingDown());
    this.waitingBytes = 0;
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private next(): void {
    while (this.waiting.length > 0 && !this.closed) {
      const worker = this.idle.pop() ?? (this.started < this.options.size ? this.spawn() : undefined);
      if (!worker) return;
      clearTimeout(this.idleTimers.get(worker));
      this.idleTimers.delete(worker);
      const job = this.waiting.shift()!;
      this.waitingBytes -= job.bytes;
      job.startedAt = performance.now();
      this.busy.set(worker, job);
      // A task keeps the process alive until it is answered; an idle worker never does.
      worker.ref();
      worker.postMessage(job.request);
    }
  }

  private spawn(): Worker {
    const resourceLimits = { maxOldGenerationSizeMb: this.options.heapMb };
    const workerData = { nice: this.options.nice ?? 0 };
    // Run from the TypeScript sources (the tests), a worker compiles them as jest does.
    const worker = FROM_SOURCES
      ? new Worker(`require(${JSON.stringify(join(__dirname, 'ts-source-hook.js'))}); require(${JSON.stringify(`${MAIN}.ts`)});`, {
          eval: true,
          resourceLimits,
          workerData,
        })
      : new Worker(`${MAIN}.js`, { resourceLimits, workerData });
    this.started++;
    worker.on('message', (reply: TaskReply) => this.finished(worker, reply));
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', () => this.lost(worker));
    return worker;
  }

  private finished(worker: Worker, reply: TaskReply): void {
    const job = this.busy.get(worker);
    this.busy.delete(worker);
    if (job) {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - job.startedAt!);
      if (reply.ok) job.resolve(reply.value);
      else job.reject(revive(reply.error));
    }
    if (this.closed) return;
    worker.unref();
    this.idle.push(worker);
    this.idleTimers.set(
      worker,
      setTimeout(() => this.retire(worker), this.options.idleMs ?? DEFAULT_IDLE_MS).unref(),
    );
    this.next();
  }

  /** A worker that failed or exited: its task fails, and a new worker takes the next task when one is needed. */
  private lost(worker: Worker, err?: Error): void {
    const job = this.busy.get(worker);
    const known = job !== undefined || this.idle.includes(worker);
    if (!known) return;
    this.busy.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at !== -1) this.idle.splice(at, 1);
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
    this.started--;
    if (job) {
      const outOfMemory = (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      job.reject(outOfMemory ? this.options.outOfMemory(this.options.heapMb) : this.closed ? shuttingDown() : workerFailed(err));
    }
    if (this.closed) return;
    if (err !== undefined) void worker.terminate();
    this.next();
  }

  private retire(worker: Worker): void {
    const at = this.idle.indexOf(worker);
    if (at === -1) return;
    this.idle.splice(at, 1);
    this.idleTimers.delete(worker);
    this.started--;
    void worker.terminate();
  }
}

/** Bytes of a task's input as the backlog counts them: its `bytes` (the XML and SOAP tasks carry one), else none. */
function weightOf(input: unknown): number {
  const bytes = typeof input === 'object' && input !== null ? (input as { bytes?: unknown }).bytes : undefined;
  return ArrayBuffer.isView(bytes) ? bytes.byteLength : 0;
}

function shuttingDown(): BusyError {
  return new BusyError('SHUTTING_DOWN', 'the bus is shutting down', 1000);
}

function workerFailed(err: Error | undefined): BusError {
  return new BusError('WORKER_FAILED', `a worker thread failed: ${err?.message ?? 'it exited'}`, { retriable: true, cause: err });
}
