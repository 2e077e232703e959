/**
 * The live figures the admin API streams (`GET /admin/live`, `GET /admin/live/snapshot`) and the dashboard draws.
 * Rates and percentiles are over whole seconds before the current one, so a figure does not jump while its second
 * fills up; "failed" counts messages that went dead, messages the bus refused, and requests it refused before they
 * were messages (a flood refused from its headers, a body over the limit...), which are never "received".
 */
export interface Figures {
  /** Messages received per second over the last 5 s. */
  inPerSec: number;
  /** Messages completed (delivered or filtered) per second over the last 5 s. */
  outPerSec: number;
  /** failed / (completed + failed) over the last 60 s, 0..1; 0 when nothing happened. */
  errorRate: number;
  /** End-to-end latency percentiles over the last 60 s, in ms (null when no message completed). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Messages and deliveries being processed right now in this instance. */
  inFlight: number;
  /** Deliveries waiting for their next attempt. */
  pendingRetries: number;
  /** Dead letters not yet replayed (store). */
  deadLetters: number;
  /** Messages waiting at the source (Kafka lag, queue depth); null when no source of the route (or the bus) tells. */
  backlog: number | null;
  /** Since this instance started. */
  totals: { received: number; completed: number; failed: number };
}

/** The journal's size (see the store's JournalSize) and its messages. */
export interface JournalFigures {
  bytes: number;
  usedBytes: number;
  rows: number;
}

/** The whole bus and every loaded route at one moment (`at`, epoch ms). */
export interface LiveSnapshot {
  at: number;
  bus: Figures;
  routes: Record<string, Figures>;
  /** Null until the store was first read. */
  journal: JournalFigures | null;
}

/** One second of history: what happened in the second starting at `at` (epoch ms). */
export interface HistoryPoint {
  at: number;
  /** Messages received in that second. */
  inPerSec: number;
  /** Messages completed (delivered or filtered) in that second. */
  outPerSec: number;
  /** failed / (completed + failed) in that second; 0 when nothing completed or failed. */
  errorRate: number;
  /** Latency percentiles of the messages completed in that second (null when none). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** `GET /admin/stats/history`: one point per second, oldest first. */
export interface History {
  step: 1000;
  points: HistoryPoint[];
}
