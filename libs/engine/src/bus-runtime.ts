import type { Settings } from '@junction/config';
import { BrokerTransport, HttpListener, connectorList, isHosted, type ConnectorModule } from '@junction/connectors';
import { ConfigError, type ConnectorStatus, type EgressConnector, type IngressConnector, type Logger, type SourceStatus } from '@junction/core';
import type { CompiledRoute } from '@junction/routing';
import { createStore, JournalRetention, type Store } from '@junction/store';
import { BusTelemetry, registerResilienceMetrics, type RouteInfo } from '@junction/telemetry';
import { createXmlWorkers, type WorkerPool } from '@junction/transform';
import type { FastifyInstance } from 'fastify';
import { AggregationCompleter } from './aggregation-completer';
import { Exchange } from './exchange';
import { OutboxWorker } from './outbox-worker';
import { Resilience } from './resilience/resilience';
import { retentionPolicy } from './retention-policy';
import { RouteTable, type ReloadReport } from './route-table';
import { watchRoutes } from './route-watcher';

/**
 * The running bus without its web framework: store, connectors, routes, the exchange and the outbox worker, started
 * and stopped in a fixed order. The Nest app only wires this to HTTP and exposes it to the admin API.
 */
export class BusRuntime {
  readonly store: Store;
  readonly routes: RouteTable;
  readonly exchange: Exchange;
  readonly worker: OutboxWorker;
  /** Completes and expires aggregation groups (aggregate steps), shared with the other instances on the store. */
  readonly aggregation: AggregationCompleter;
  /** Hosts every broker ingress; the Nest app runs it as its custom transport strategy (a hybrid application). */
  readonly transport: BrokerTransport;
  /** Metrics, live figures and per-message logs of this instance. */
  readonly telemetry: BusTelemetry;
  /** Purges the journal in the background (JOURNAL_RETENTION, routes' `retention`, JOURNAL_MAX_BYTES). */
  readonly retention: JournalRetention;
  /** Worker threads that read large XML bodies off the event loop, shared by the routes and the connectors. */
  readonly xmlWorkers: WorkerPool;
  /** Circuit breakers and throttles of this instance: outlive route reloads (GET /admin/resilience). */
  readonly resilience = new Resilience();
  private readonly ingress: Map<string, IngressConnector>;
  private readonly egress: Map<string, EgressConnector>;
  private watcher?: { close(): void };

  /**
   * `connectors` is the bus's connector list (apps/bus): each module is built here once, with the shared HTTP
   * listener on `fastify`, the settings and the store; the same list gives the route schema and the checks.
   */
  constructor(
    private readonly settings: Settings,
    fastify: FastifyInstance,
    private readonly log: Logger,
    env: Record<string, string | undefined>,
    readonly connectors: readonly ConnectorModule[],
  ) {
    connectorList(connectors);
    this.store = createStore({ url: settings.DATABASE_URL, instanceId: settings.INSTANCE_ID, logger: log });
    const xmlLimits = { maxDepth: settings.XML_MAX_DEPTH, maxAttributes: settings.XML_MAX_ATTRIBUTES, maxBytes: settings.BODY_LIMIT_BYTES };
    // No thread starts here: workers start with the first large body.
    this.xmlWorkers = createXmlWorkers({
      size: settings.XML_WORKERS,
      threshold: settings.XML_WORKER_THRESHOLD_BYTES,
      backlog: settings.XML_WORKER_BACKLOG,
      heapMb: settings.XML_WORKER_HEAP_MB,
      nice: settings.XML_WORKER_NICE,
    });
    // Requests the listener refuses before they are messages (a flood refused from its headers...) go to the telemetry.
    const http = new HttpListener(fastify, this.xmlWorkers, (routeId, error) => this.telemetry.observer.refusedRequest(routeId, error));
    const context = { settings, log, http, store: this.store, xmlWorkers: this.xmlWorkers };
    this.ingress = new Map();
    this.egress = new Map();
    for (const module of connectors) {
      const built = module.create(context);
      if (built.ingress) this.ingress.set(module.kind, built.ingress);
      if (built.egress) this.egress.set(module.kind, built.egress);
    }
    this.transport = new BrokerTransport([...this.ingress.values()].filter(isHosted));
    this.telemetry = new BusTelemetry(
      { routes: () => this.routes.list().map(routeInfo), store: this.store, sourceStatus: () => this.sourceStatus() },
      log,
    );
    registerResilienceMetrics(this.telemetry.metrics.registry, () => this.resilience.view());
    this.routes = new RouteTable({
      dir: settings.ROUTES_DIR,
      env,
      connectors,
      egress: this.egress,
      ingress: this.ingress,
      xmlLimits,
      jsonLimits: { maxDepth: settings.JSON_MAX_DEPTH },
      xmlWorkers: this.xmlWorkers,
    });
    this.worker = new OutboxWorker(
      this.store,
      this.routes,
      {
        concurrency: settings.WORKER_CONCURRENCY,
        batch: settings.OUTBOX_BATCH,
        pollMs: settings.OUTBOX_POLL_MS,
        leaseMs: settings.LEASE_MS,
        poisonMaxClaims: settings.POISON_MAX_CLAIMS,
        callTimeoutMs: settings.SYNC_TIMEOUT_MS,
        held: () => this.aggregation.wake(),
      },
      log,
      this.telemetry.observer,
      this.resilience,
    );
    this.aggregation = new AggregationCompleter(
      this.store,
      this.routes,
      { leaseMs: settings.LEASE_MS, batch: settings.OUTBOX_BATCH, wakeOutbox: () => this.worker.wake() },
      log,
    );
    this.retention = new JournalRetention(this.store, { policy: () => retentionPolicy(settings, this.routes.list()) }, log);
    this.exchange = new Exchange(this.routes, this.store, {
      syncTimeoutMs: settings.SYNC_TIMEOUT_MS,
      wake: () => this.worker.wake(),
      observer: this.telemetry.observer,
      resilience: this.resilience,
      journalSuccesses: settings.JOURNAL_SUCCESSES,
    });
  }

  /** Opens the store, loads the routes (a problem stops start-up), hooks up the ingresses, starts the worker. */
  async start(): Promise<void> {
    await this.store.init();
    const report = await this.routes.reload();
    if (!report.ok) throw new ConfigError(`routes in ${this.settings.ROUTES_DIR} have problems`, report.problems);
    for (const connector of this.ingress.values()) await connector.start(this.exchange);
    this.worker.start();
    this.aggregation.start();
    this.retention.start();
    this.telemetry.start();
    if (this.settings.WATCH_ROUTES) this.watcher = watchRoutes(this.settings.ROUTES_DIR, () => void this.reload('watch'));
    this.log.info({ routes: report.routes, store: this.store.driver }, 'bus started');
  }

  /** Every connector's status: the state, backlog and detail of each bound route's source (`GET /admin/connectors`). */
  async connectorStatus(): Promise<ConnectorStatus[]> {
    return Promise.all(
      this.connectors.map(async (m) => ({ kind: m.kind, sources: (await this.ingress.get(m.kind)?.status?.().catch(() => [])) ?? [] })),
    );
  }

  private async sourceStatus(): Promise<SourceStatus[]> {
    return (await this.connectorStatus()).flatMap((c) => c.sources);
  }

  async reload(trigger: 'watch' | 'admin'): Promise<ReloadReport> {
    const report = await this.routes.reload();
    this.telemetry.observer.reloaded(report.ok);
    if (report.ok) {
      this.resilience.retain((id, target) => {
        const route = this.routes.get(id);
        return route !== undefined && (target === null || route.targets.has(target));
      });
    }
    if (report.ok) this.log.info({ trigger, routes: report.routes }, 'routes reloaded');
    else this.log.warn({ trigger, problems: report.problems }, 'route reload refused; previous routes keep running');
    return report;
  }

  /** Stops taking messages, lets in-flight work finish (bounded), then closes connectors and the store. */
  async stop(): Promise<void> {
    // First, so that live streams end and the admin listener can close.
    await this.telemetry.stop();
    this.watcher?.close();
    // Ingress stops taking messages while the worker stops claiming: work already in the outbox waits there for the
    // next start instead of holding the shutdown up (a Kafka consumer can take seconds to leave its group).
    const ingressClosed = (async () => {
      for (const connector of this.ingress.values()) await connector.close(this.settings.SHUTDOWN_TIMEOUT_MS);
    })();
    await Promise.all([ingressClosed, this.worker.stop(this.settings.SHUTDOWN_TIMEOUT_MS), this.aggregation.stop(), this.retention.stop()]);
    for (const connector of this.egress.values()) await connector.close();
    await this.xmlWorkers.close();
    await this.store.close();
  }
}

function routeInfo(route: CompiledRoute): RouteInfo {
  return { id: route.id, sourceKind: route.sourceKind };
}
