import type { Settings } from '@junction/config';
import {
  HttpEgress,
  HttpIngress,
  HttpListener,
  KafkaClients,
  KafkaEgress,
  KafkaIngress,
  SoapEgress,
  SoapIngress,
  connectorRegistry,
} from '@junction/connectors';
import { ConfigError, type EgressConnector, type IngressConnector, type Logger } from '@junction/core';
import type { CompiledRoute } from '@junction/routing';
import { createStore, type Store } from '@junction/store';
import { BusTelemetry, type RouteInfo } from '@junction/telemetry';
import type { FastifyInstance } from 'fastify';
import { Exchange } from './exchange';
import { OutboxWorker } from './outbox-worker';
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
  /** The Kafka ingress, which the Nest app runs as its custom transport strategy (a hybrid application). */
  readonly kafka: KafkaIngress;
  /** Metrics, live figures and per-message logs of this instance. */
  readonly telemetry: BusTelemetry;
  private readonly ingress: Map<string, IngressConnector>;
  private readonly egress: Map<string, EgressConnector>;
  private watcher?: { close(): void };

  constructor(
    private readonly settings: Settings,
    fastify: FastifyInstance,
    private readonly log: Logger,
    env: Record<string, string | undefined>,
  ) {
    this.store = createStore({ url: settings.DATABASE_URL, instanceId: settings.INSTANCE_ID, logger: log });
    const listener = new HttpListener(fastify);
    const xmlLimits = { maxDepth: settings.XML_MAX_DEPTH, maxAttributes: settings.XML_MAX_ATTRIBUTES, maxBytes: settings.BODY_LIMIT_BYTES };
    const kafka = new KafkaClients({ brokers: settings.KAFKA_BROKERS, clientId: settings.KAFKA_CLIENT_ID, log });
    this.kafka = new KafkaIngress(kafka, log);
    this.ingress = connectorRegistry<IngressConnector>([
      new HttpIngress(listener, { token: settings.INGRESS_TOKEN }),
      new SoapIngress(listener, { token: settings.INGRESS_TOKEN, publicUrl: settings.PUBLIC_URL, xmlLimits }),
      this.kafka,
    ]);
    this.egress = connectorRegistry<EgressConnector>([new HttpEgress(), new SoapEgress(), new KafkaEgress(kafka)]);
    this.telemetry = new BusTelemetry(
      { routes: () => this.routes.list().map(routeInfo), store: this.store, kafkaLag: () => this.kafka.lag() },
      log,
    );
    this.routes = new RouteTable({
      dir: settings.ROUTES_DIR,
      env,
      egress: this.egress,
      ingress: this.ingress,
      xmlLimits,
    });
    this.worker = new OutboxWorker(
      this.store,
      this.routes,
      {
        concurrency: settings.WORKER_CONCURRENCY,
        batch: settings.OUTBOX_BATCH,
        pollMs: settings.OUTBOX_POLL_MS,
        leaseMs: settings.LEASE_MS,
        callTimeoutMs: settings.SYNC_TIMEOUT_MS,
      },
      log,
      this.telemetry.observer,
    );
    this.exchange = new Exchange(this.routes, this.store, {
      syncTimeoutMs: settings.SYNC_TIMEOUT_MS,
      wake: () => this.worker.wake(),
      observer: this.telemetry.observer,
    });
  }

  /** Opens the store, loads the routes (a problem stops start-up), hooks up the ingresses, starts the worker. */
  async start(): Promise<void> {
    await this.store.init();
    const report = await this.routes.reload();
    if (!report.ok) throw new ConfigError(`routes in ${this.settings.ROUTES_DIR} have problems`, report.problems);
    for (const connector of this.ingress.values()) await connector.start(this.exchange);
    this.worker.start();
    this.telemetry.start();
    if (this.settings.WATCH_ROUTES) this.watcher = watchRoutes(this.settings.ROUTES_DIR, () => void this.reload('watch'));
    this.log.info({ routes: report.routes, store: this.store.driver }, 'bus started');
  }

  async reload(trigger: 'watch' | 'admin'): Promise<ReloadReport> {
    const report = await this.routes.reload();
    this.telemetry.observer.reloaded(report.ok);
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
    await Promise.all([ingressClosed, this.worker.stop(this.settings.SHUTDOWN_TIMEOUT_MS)]);
    for (const connector of this.egress.values()) await connector.close();
    await this.store.close();
  }
}

function routeInfo(route: CompiledRoute): RouteInfo {
  const sourceKind = Object.keys(route.source).find((k) => (route.source as Record<string, unknown>)[k] !== undefined) ?? 'unknown';
  return { id: route.id, sourceKind };
}
