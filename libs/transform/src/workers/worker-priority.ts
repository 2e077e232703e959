import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The calling thread's id (Linux: /proc/thread-self is "<pid>/task/<tid>"); undefined elsewhere. */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** The nice value of the calling thread (Linux), for tests; undefined elsewhere. */
export function threadPriority(): number | undefined {
  const tid = threadId();
  return tid === undefined ? undefined : getPriority(tid);
}

/**
 * Lowers the scheduling priority of the calling thread to `nice` (Linux: a thread is its own task, and setpriority on
 * its id changes that thread alone). The pool's workers parse what the event loop has handed them; when the cores are
 * busy, the event loop answering health checks and small requests should not wait behind them. Elsewhere, or when the
 * system refuses, the thread keeps its priority; a thread already as low keeps its own (raising it needs privileges).
 */
export function lowerThreadPriority(nice: number): boolean {
  const tid = threadId();
  if (tid === undefined) return false;
  try {
    if (getPriority(tid) < nice) setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
