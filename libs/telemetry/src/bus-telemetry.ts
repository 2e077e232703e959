import type { SourceStatus } from '@junction/core';
import type { Store } from '@junction/store';
import { BusMetrics, PROMETHEUS_CONTENT_TYPE, type QueueFigures, type RouteCounts, type RouteInfo } from './bus-metrics';
import { TelemetryObserver, type BusObserver, type ObserverLogger } from './bus-observer';
import { DeliveryTracker } from './delivery-tracker';
import type { History, LiveSnapshot } from './live.types';
import type { HistoryCounts } from './rolling-figures';
import type { SnapshotPart } from './snapshot-parts';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

/** Where the figures that are not counted in process come from. */
export interface TelemetrySources {
  /** The routes loaded now. */
  routes(): readonly RouteInfo[];
  /** Queue depths, dead letters and the journal's size. */
  readonly store: Pick<Store, 'stats' | 'listDeadLetters' | 'journalSize'>;
  /** The state and backlog of every route's source, from the connectors. */
  sourceStatus(): Promise<readonly SourceStatus[]>;
}

/** Receives the live snapshots, one a second, until `end` (the bus stops). */
export interface LiveListener {
  snapshot(snapshot: LiveSnapshot): void;
  end(): void;
}

const TICK_MS = 1000;
// A source's backlog can cost a broker round trip (Kafka's lag takes an admin connection per route): read it less
// often than the store's counts.
const LAG_EVERY_MS = 5000;
// A scrape or a snapshot keeps the store counts refreshed this long; with nobody looking, the store is left alone.
const INTEREST_MS = 60_000;
// A read waits this long at most for fresh counts, then answers with the last ones.
const WAIT_MS = 2000;
// Counts older than this are refreshed before a read answers.
const STALE_MS = 2 * TICK_MS;
// Dead letters by route are listed again when their total changes, and at least this often.
const DEAD_LETTERS_EVERY_MS = 30_000;
// The most dead letters listed for the breakdown by route (the store's page limit).
const DEAD_LETTERS_LISTED = 1000;

/**
 * The telemetry of a running bus: the metrics, the observer the engine calls, and one loop (a tick a second) that
 * publishes live snapshots and refreshes what the store and the connectors know (queue depths, dead letters,
 * sources' state and backlog).
 * Refreshes are single-flight and at most one a second, whatever the number of scrapes and streams: a read that
 * finds the counts stale waits for the refresh under way (or starts one), at most WAIT_MS.
 *
 * The journal's size comes from the store's pragmas or catalog (cheap) and its rows from the message counts.
 * Dead letters by route come from listing those not replayed (at most DEAD_LETTERS_LISTED, newest first, so the
 * breakdown is a lower bound beyond that; the bus total is the store's count). Deliveries waiting for a retry are
 * the ones this instance scheduled (the store does not count them).
 */
export class BusTelemetry {
  readonly metrics: BusMetrics;
  readonly observer: BusObserver;
  /** Content type of `metricsText()`. */
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly tracker = new DeliveryTracker();
  private readonly listeners = new Set<LiveListener>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private interestUntil = 0;
  private refreshing?: Promise<void>;
  private refreshedAt = 0;
  private counts = { messagesWaiting: 0, messagesHeld: 0, deliveriesPending: 0, deadLetters: 0 };
  private journal: QueueFigures['journal'] = null;
  private storeUp: boolean | undefined;
  private deadLettersByRoute: ReadonlyMap<string, number> = new Map();
  private deadLettersAt = 0;
  private lagging?: Promise<void>;
  private lagAt = 0;
  private lag: QueueFigures['sources'] = [];

  constructor(
    private readonly sources: TelemetrySources,
    private readonly log: ObserverLogger,
  ) {
    this.metrics = new BusMetrics(() => sources.routes().length);
    this.observer = new TelemetryObserver(this.metrics, this.tracker, log);
  }

  /** Starts the tick (call once the routes are loaded). */
  start(): void {
    if (this.timer || this.stopped) return;
    this.metrics.track(this.sources.routes());
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Ends every live stream and the tick, and waits for a refresh under way (the store closes next). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const l of this.listeners) l.end();
    this.listeners.clear();
    await Promise.all([this.refreshing, bounded(this.lagging, WAIT_MS)]);
  }

  /** Adds a live listener; returns its removal. After `stop`, the listener is ended at once. */
  subscribe(listener: LiveListener): () => void {
    if (this.stopped) {
      listener.end();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Live listeners subscribed now. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** The live figures now, with store counts at most about a second old. */
  async snapshot(): Promise<LiveSnapshot> {
    await this.fresh();
    return this.metrics.snapshot(this.sources.routes());
  }

  /** The Prometheus exposition, gauges refreshed as for `snapshot`. */
  async metricsText(): Promise<string> {
    await this.fresh();
    return this.metrics.metrics();
  }

  /** `snapshot` before it is added up with the other processes of the bus (WORKERS > 1; see mergeSnapshots). */
  async snapshotPart(): Promise<SnapshotPart> {
    await this.fresh();
    return this.metrics.snapshotPart(this.sources.routes());
  }

  /** The registry as JSON, gauges refreshed as for `metricsText`, for prom-client's AggregatorRegistry (WORKERS > 1). */
  async metricsJson(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    await this.fresh();
    return this.metrics.registry.getMetricsAsJSON();
  }

  /** `history` with its counts, for adding up with the other processes of the bus (see mergeHistories). */
  historyCounts(route: string | undefined, minutes: number): HistoryCounts[] | undefined {
    return this.metrics.historyCounts(route, minutes);
  }

  /** A route's counters, as `/metrics` shows them. */
  routeCounts(route: string): Promise<RouteCounts> {
    return this.metrics.routeCounts(route);
  }

  /** Per-second history of the bus or of a route; undefined for a route never loaded. */
  history(route: string | undefined, minutes: number): History | undefined {
    return this.metrics.history(route, minutes);
  }

  private tick(): void {
    const routes = this.sources.routes();
    this.metrics.track(routes);
    if (this.listeners.size > 0 || Date.now() < this.interestUntil) void this.refresh();
    if (this.listeners.size === 0) return;
    // Published with the counts of the last refresh: a slow store never delays the stream.
    const snapshot = this.metrics.snapshot(routes);
    for (const l of this.listeners) {
      try {
        l.snapshot(snapshot);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'live listener failed; dropped');
        this.listeners.delete(l);
      }
    }
  }

  private async fresh(): Promise<void> {
    this.interestUntil = Date.now() + INTEREST_MS;
    if (this.stopped || Date.now() - this.refreshedAt < STALE_MS) return;
    await bounded(this.refresh(), WAIT_MS);
  }

  private refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.lagging && Date.now() - this.lagAt >= LAG_EVERY_MS) {
      this.lagAt = Date.now();
      this.lagging = this.readLag().finally(() => (this.lagging = undefined));
    }
    return (this.refreshing ??= this.readStore().finally(() => (this.refreshing = undefined)));
  }

  private async readStore(): Promise<void> {
    const { store } = this.sources;
    try {
      const stats = await store.stats();
      const now = Date.now();
      if (stats.deadLetters !== this.counts.deadLetters || now - this.deadLettersAt >= DEAD_LETTERS_EVERY_MS) {
        const listed = stats.deadLetters === 0 ? [] : await store.listDeadLetters({ replayed: false, limit: DEAD_LETTERS_LISTED });
        const byRoute = new Map<string, number>();
        for (const d of listed) byRoute.set(d.routeId, (byRoute.get(d.routeId) ?? 0) + 1);
        this.deadLettersByRoute = byRoute;
        this.deadLettersAt = now;
      }
      this.counts = {
        messagesWaiting: stats.messages.received,
        messagesHeld: stats.messages.held ?? 0,
        deliveriesPending: stats.pendingDeliveries,
        deadLetters: stats.deadLetters,
      };
      // The rows come with the counts above; the size from the database's bookkeeping (no scan).
      const size = await store.journalSize();
      this.journal = { ...size, rows: Object.values(stats.messages).reduce((a, b) => a + b, 0) };
      this.storeUp = true;
    } catch (err) {
      this.storeUp = false;
      // The last counts stand; the health endpoint is where a store outage shows.
      this.log.debug({ err: (err as Error).message }, 'telemetry could not read the store counts');
    }
    this.refreshedAt = Date.now();
    this.apply();
  }

  private async readLag(): Promise<void> {
    try {
      this.lag = await this.sources.sourceStatus();
      this.apply();
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, "telemetry could not read the sources' status");
    }
  }

  private apply(): void {
    this.metrics.setQueues({
      ...this.counts,
      journal: this.journal,
      storeUp: this.storeUp,
      deadLettersByRoute: this.deadLettersByRoute,
      retryWaitingByRoute: this.tracker.retryWaiting(Date.now()),
      sources: this.lag,
    });
  }
}

/** Waits for `work` (which never rejects here) at most `ms`. */
async function bounded(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
