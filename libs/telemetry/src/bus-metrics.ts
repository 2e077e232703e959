import type { SourceStatus } from '@junction/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { History, JournalFigures, LiveSnapshot } from './live.types';
import { RollingFigures, HISTORY_SECONDS, mergeHistories, type HistoryCounts } from './rolling-figures';
import { mergeSnapshots, type FiguresPart, type SnapshotPart } from './snapshot-parts';

/** The final status of a message. */
/** `duplicate`: an idempotent route's message whose key was seen (acknowledged, never delivered). */
export type CompletionStatus = 'delivered' | 'filtered' | 'dead' | 'duplicate';
/** What became of one attempt at a target. */
export type AttemptOutcome = 'delivered' | 'retry' | 'dead';
export type RouteMode = 'sync' | 'async';

/** A loaded route as the live figures need it. */
export interface RouteInfo {
  readonly id: string;
  /** The ingress kind of its source (http, soap, kafka...). */
  readonly sourceKind: string;
}

/** Figures read from the store and the connectors by the refresh loop (see BusTelemetry). */
export interface QueueFigures {
  /** Messages stored and waiting to be routed. */
  readonly messagesWaiting: number;
  /** Messages aggregate steps hold in groups that are not complete yet (status `held`). */
  readonly messagesHeld?: number;
  /** Deliveries not done yet, those waiting for a retry included. */
  readonly deliveriesPending: number;
  /** Dead letters not replayed, whole bus. */
  readonly deadLetters: number;
  /** Dead letters not replayed, by route. */
  readonly deadLettersByRoute: ReadonlyMap<string, number>;
  /** Deliveries waiting for their next attempt, by route. */
  readonly retryWaitingByRoute: ReadonlyMap<string, number>;
  /** The state and backlog of each route's source, as its connector reports them (`GET /admin/connectors`). */
  readonly sources: readonly SourceStatus[];
  /** The journal: bytes on disk, bytes holding rows, messages; null until first read. */
  readonly journal: JournalFigures | null;
  /** Whether the last read of these figures from the store succeeded; undefined until the first read ends. */
  readonly storeUp?: boolean;
}

/** A route's counters (see BusMetrics.routeCounts): the figures `junction_messages_*_total` and
 *  `junction_deliveries_total` show for it. */
export interface RouteCounts {
  received: number;
  rejected: number;
  completed: Record<CompletionStatus, number>;
  /** Delivery attempts by target id and outcome; a target never tried is absent. */
  targets: Record<string, Record<AttemptOutcome, number>>;
}

/** The Prometheus text format content type of `/metrics`. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// Attempts are network calls: milliseconds to the longest timeouts.
const ATTEMPT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// End to end, async messages include their retries: up to an hour.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** Instruments of one route, label children resolved once. */
interface RouteInstruments {
  readonly figures: RollingFigures;
  readonly received: Map<string, Counter.Internal>;
  readonly rejected: Map<string, Counter.Internal>;
  readonly completed: Record<CompletionStatus, Counter.Internal>;
  readonly latency: Record<RouteMode, Histogram.Internal<string>>;
  readonly inFlightGauge: Gauge.Internal<string>;
  inFlight: number;
  readonly targets: Map<string, TargetInstruments>;
}

interface TargetInstruments {
  readonly outcomes: Record<AttemptOutcome, Counter.Internal>;
  readonly duration: Histogram.Internal<string>;
}

/**
 * The bus's metrics: a Prometheus registry of its own (Node runtime metrics and the `junction_*` metrics) and the live
 * figures of the dashboard. Each recording call updates both, so `/metrics` and `/admin/live` always agree. Labelled
 * children are resolved once per route and target and kept; recording allocates nothing once they exist.
 */
export class BusMetrics {
  readonly registry = new Registry();
  private readonly routes = new Map<string, RouteInstruments>();
  private readonly bus: RollingFigures;
  private busInFlight = 0;
  private queues: QueueFigures = {
    messagesWaiting: 0,
    deliveriesPending: 0,
    deadLetters: 0,
    deadLettersByRoute: new Map(),
    retryWaitingByRoute: new Map(),
    sources: [],
    journal: null,
  };
  private readonly m: Instruments;

  /** `routeCount` feeds `junction_routes_loaded`; `now` is the clock (tests pass their own). */
  constructor(routeCount: () => number, private readonly now: () => number = Date.now) {
    this.bus = new RollingFigures(now());
    collectDefaultMetrics({ register: this.registry, prefix: 'junction_' });
    this.m = instruments(this.registry, routeCount);
  }

  received(route: string, sourceKind: string): void {
    const r = this.route(route);
    let child = r.received.get(sourceKind);
    if (!child) r.received.set(sourceKind, (child = this.m.received.labels(route, sourceKind)));
    child.inc();
    const now = this.now();
    r.figures.recordReceived(now);
    this.bus.recordReceived(now);
  }

  rejected(route: string, code: string): void {
    const r = this.route(route);
    let child = r.rejected.get(code);
    if (!child) r.rejected.set(code, (child = this.m.rejected.labels(route, code)));
    child.inc();
    const now = this.now();
    r.figures.recordRefused(now);
    this.bus.recordRefused(now);
  }

  /** A finished sync exchange whose record was lost after its reply: rare (the store failed), so no child cache. */
  unjournaled(route: string): void {
    this.m.unjournaled.labels(route).inc();
  }

  completed(route: string, mode: RouteMode, status: CompletionStatus, latencyMs: number): void {
    const r = this.route(route);
    r.completed[status].inc();
    // A duplicate is answered at ingress and never delivered: counted, but not as throughput or latency.
    if (status === 'duplicate') return;
    r.latency[mode].observe(latencyMs / 1000);
    const now = this.now();
    r.figures.recordCompleted(now, status !== 'dead', latencyMs);
    this.bus.recordCompleted(now, status !== 'dead', latencyMs);
  }

  attempted(route: string, target: string, outcome: AttemptOutcome, durationMs: number): void {
    const t = this.target(route, target);
    t.outcomes[outcome].inc();
    t.duration.observe(durationMs / 1000);
  }

  inFlight(route: string, delta: number): void {
    const r = this.route(route);
    r.inFlight += delta;
    r.inFlightGauge.set(r.inFlight);
    this.busInFlight += delta;
  }

  reloaded(ok: boolean): void {
    this.m.reloads.inc({ outcome: ok ? 'ok' : 'refused' });
  }

  /** Takes the figures of the last refresh; the gauges show them until the next. */
  setQueues(q: QueueFigures): void {
    this.queues = q;
    this.m.queue.set({ queue: 'messages_waiting' }, q.messagesWaiting);
    this.m.queue.set({ queue: 'messages_held' }, q.messagesHeld ?? 0);
    this.m.queue.set({ queue: 'deliveries_pending' }, q.deliveriesPending);
    let retries = 0;
    for (const n of q.retryWaitingByRoute.values()) retries += n;
    this.m.queue.set({ queue: 'deliveries_retry_waiting' }, retries);
    // Reset first so that routes and partitions that went away disappear; nothing runs between reset and set.
    this.m.deadLetters.reset();
    for (const [route, n] of q.deadLettersByRoute) this.m.deadLetters.set({ route }, n);
    if (q.storeUp !== undefined) this.m.storeUp.set(q.storeUp ? 1 : 0);
    if (q.journal) {
      this.m.journalBytes.set(q.journal.bytes);
      this.m.journalUsedBytes.set(q.journal.usedBytes);
      this.m.journalRows.set(q.journal.rows);
    }
    this.m.backlog.reset();
    this.m.up.reset();
    for (const s of q.sources) {
      this.m.up.set({ route: s.routeId }, s.state === 'connected' ? 1 : 0);
      if (s.backlog !== undefined) this.m.backlog.set({ route: s.routeId }, s.backlog);
    }
  }

  /** The live figures of the bus and of every route in `routes` (the loaded ones, traffic or not). */
  snapshot(routes: readonly RouteInfo[]): LiveSnapshot {
    return mergeSnapshots([this.snapshotPart(routes)]);
  }

  /** What `snapshot` is made of, for adding up with the other processes of the bus (`mergeSnapshots`). */
  snapshotPart(routes: readonly RouteInfo[]): SnapshotPart {
    const now = this.now();
    const backlogByRoute = new Map<string, number>();
    for (const s of this.queues.sources) if (s.backlog !== undefined) backlogByRoute.set(s.routeId, s.backlog);
    const figures: Record<string, FiguresPart> = {};
    let busBacklog: number | null = null;
    let busRetries = 0;
    for (const route of routes) {
      const r = this.route(route.id);
      const backlog = backlogByRoute.get(route.id) ?? null;
      if (backlog !== null) busBacklog = (busBacklog ?? 0) + backlog;
      const pendingRetries = this.queues.retryWaitingByRoute.get(route.id) ?? 0;
      busRetries += pendingRetries;
      figures[route.id] = {
        rolling: r.figures.part(now),
        inFlight: r.inFlight,
        pendingRetries,
        deadLetters: this.queues.deadLettersByRoute.get(route.id) ?? 0,
        backlog,
      };
    }
    const bus: FiguresPart = {
      rolling: this.bus.part(now),
      inFlight: this.busInFlight,
      pendingRetries: busRetries,
      deadLetters: this.queues.deadLetters,
      backlog: busBacklog,
    };
    return { at: now, bus, routes: figures, journal: this.queues.journal };
  }

  /** Starts the figures of these routes now, so that their history begins at their load, traffic or not. */
  track(routes: readonly RouteInfo[]): void {
    for (const r of routes) this.route(r.id);
  }

  /** Per-second history of a route (undefined when never tracked), or of the bus when `route` is undefined. */
  history(route: string | undefined, minutes: number): History | undefined {
    const counts = this.historyCounts(route, minutes);
    return counts && { step: 1000, points: mergeHistories([counts]) };
  }

  /** The seconds of `history` with their counts, for adding up with the other processes of the bus (`mergeHistories`). */
  historyCounts(route: string | undefined, minutes: number): HistoryCounts[] | undefined {
    const seconds = Math.min(HISTORY_SECONDS, Math.max(0, Math.floor(minutes * 60)));
    const figures = route === undefined ? this.bus : this.routes.get(route)?.figures;
    return figures?.historyCounts(this.now(), seconds);
  }

  /**
   * One route's counters since this instance started, read from the same counters `/metrics` shows: messages
   * received (every source kind) and refused, completed by status, and each target's delivery attempts by outcome.
   */
  async routeCounts(route: string): Promise<RouteCounts> {
    const of = async (counter: Counter) => (await counter.get()).values.filter((v) => v.labels.route === route);
    const [received, rejected, completed, deliveries] = await Promise.all([of(this.m.received), of(this.m.rejected), of(this.m.completed), of(this.m.deliveries)]);
    const sum = (values: { value: number }[]) => values.reduce((n, v) => n + v.value, 0);
    const byStatus = (status: CompletionStatus) => sum(completed.filter((v) => v.labels.status === status));
    const targets: Record<string, Record<AttemptOutcome, number>> = {};
    for (const v of deliveries) {
      const t = (targets[String(v.labels.target)] ??= { delivered: 0, retry: 0, dead: 0 });
      t[v.labels.outcome as AttemptOutcome] += v.value;
    }
    return {
      received: sum(received),
      rejected: sum(rejected),
      completed: { delivered: byStatus('delivered'), filtered: byStatus('filtered'), dead: byStatus('dead'), duplicate: byStatus('duplicate') },
      targets,
    };
  }

  /** The Prometheus text exposition of the registry. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private route(id: string): RouteInstruments {
    let r = this.routes.get(id);
    if (r) return r;
    const { completed, latency, inFlight } = this.m;
    r = {
      figures: new RollingFigures(this.now()),
      received: new Map(),
      rejected: new Map(),
      completed: { delivered: completed.labels(id, 'delivered'), filtered: completed.labels(id, 'filtered'), dead: completed.labels(id, 'dead'), duplicate: completed.labels(id, 'duplicate') },
      latency: { sync: latency.labels(id, 'sync'), async: latency.labels(id, 'async') },
      inFlightGauge: inFlight.labels(id),
      inFlight: 0,
      targets: new Map(),
    };
    // Each status starts at 0, so that the first dead letter is an increase to Prometheus, not a new series.
    for (const child of Object.values(r.completed)) child.inc(0);
    this.routes.set(id, r);
    return r;
  }

  private target(route: string, id: string): TargetInstruments {
    const r = this.route(route);
    let t = r.targets.get(id);
    if (t) return t;
    const d = this.m.deliveries;
    t = {
      outcomes: { delivered: d.labels(route, id, 'delivered'), retry: d.labels(route, id, 'retry'), dead: d.labels(route, id, 'dead') },
      duration: this.m.attempt.labels(route, id),
    };
    for (const child of Object.values(t.outcomes)) child.inc(0);
    r.targets.set(id, t);
    return t;
  }
}

type Instruments = ReturnType<typeof instruments>;

/** The `junction_*` metrics, registered in `registry` only. */
function instruments(registry: Registry, routeCount: () => number) {
  const registers = [registry];
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers });
  // Read from the store or the sources, so every process of the bus shows the same value: when the processes'
  // registries are added up (WORKERS > 1), one process's is the bus's, not their sum.
  const shared = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers, aggregator: 'first' });
  // A route's source as each process that runs it sees it: a Kafka consumer group or an AMQP queue has a consumer in
  // every process, a schedule, a SQL cursor or a folder poller runs in every process and takes each tick, cursor or
  // file under a lease. The source is up when it is up in any process (the others' work goes to it: a group
  // rebalances, a lease moves on); its backlog is one figure of the broker or the folder, which every process reads,
  // so the whole bus's is the largest reading, never their sum (the live figures merge it alike: mergeSnapshots).
  const source = (name: string, help: string) => new Gauge({ name, help, labelNames: ['route'], registers, aggregator: 'max' });
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new Histogram({ name, help, labelNames, buckets, registers });
  return {
    received: counter('junction_messages_received_total', 'Messages received, by route and source kind.', ['route', 'source']),
    rejected: counter(
      'junction_messages_rejected_total',
      'Messages and requests the bus refused, by route and error code: bad input, store down, and requests refused before they were messages (WORKERS_BUSY from the headers, BODY_TOO_LARGE, UNAUTHORIZED, THROTTLED...).',
      ['route', 'code'],
    ),
    completed: counter('junction_messages_completed_total', 'Messages that reached their final status.', ['route', 'status']),
    deliveries: counter('junction_deliveries_total', 'Delivery attempts by outcome (retry: failed, tried again later).', ['route', 'target', 'outcome']),
    attempt: histogram('junction_delivery_attempt_duration_seconds', 'Duration of one attempt at a target.', ['route', 'target'], ATTEMPT_BUCKETS),
    latency: histogram('junction_message_latency_seconds', 'Time from reception to final status.', ['route', 'mode'], LATENCY_BUCKETS),
    inFlight: gauge('junction_messages_in_flight', 'Messages and deliveries being processed in this instance.', ['route']),
    queue: shared('junction_queue_depth', 'Messages waiting to be routed, messages held by aggregate steps, deliveries pending, deliveries waiting for a retry.', ['queue']),
    deadLetters: shared('junction_dead_letters', 'Dead letters not replayed, by route.', ['route']),
    backlog: source('junction_source_backlog', "Messages waiting at a route's source (Kafka consumer lag, an AMQP queue's depth, files in a polled folder), by route."),
    up: source('junction_source_up', "1 when a route's source is connected (broker consumers, schedules) in at least one process of the bus, else 0."),
    journalBytes: shared('junction_journal_bytes', 'Bytes the journal takes on disk (SQLite: file and WAL; PostgreSQL: tables, indexes, TOAST).'),
    journalUsedBytes: shared('junction_journal_used_bytes', 'Of junction_journal_bytes, the bytes holding rows (the rest is reused); JOURNAL_MAX_BYTES applies to it.'),
    journalRows: shared('junction_journal_rows', 'Messages in the journal, every status.'),
    storeUp: shared('junction_store_up', "1 when the last read of the store's counts succeeded, else 0 (the database is unreachable)."),
    routesLoaded: new Gauge({
      name: 'junction_routes_loaded',
      help: 'Routes loaded.',
      registers,
      aggregator: 'first',
      collect() {
        this.set(routeCount());
      },
    }),
    reloads: counter('junction_route_reloads_total', 'Route reloads, by outcome (ok, refused).', ['outcome']),
    unjournaled: counter(
      'junction_journal_write_failures_total',
      "Sync exchanges answered to their caller whose journal record could not be written after the reply (JOURNAL_SUCCESSES=after-reply), by route.",
      ['route'],
    ),
  };
}
