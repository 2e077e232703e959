import type { ConnectorSpec, Settings } from '@junction/config';
import type { EgressConnector, IngressConnector, Logger } from '@junction/core';
import type { Store } from '@junction/store';
import type { WorkerPool } from '@junction/transform';
import type { HttpListener } from './http-listener';

/** What the bus lends a connector when it builds it: settings, logger, the shared HTTP listener, the store, XML workers. */
export interface ConnectorContext {
  /** Validated settings; a connector reads the ones its module lists in `settings`. */
  readonly settings: Settings;
  readonly log: Logger;
  /** The bus's HTTP listener on the ingress port, shared by the kinds that take HTTP calls (http, soap). */
  readonly http: HttpListener;
  /** The bus's store, for state a connector shares between instances (leases, cursors). */
  readonly store: Store;
  /** The bus's worker threads for reading large XML off the event loop (see createXmlCodec); absent in tools. */
  readonly xmlWorkers?: WorkerPool;
}

/** A connector as the bus runs it: its ingress and egress sides (either may be absent). */
export interface ConnectorRuntime<S = any, T = any> {
  readonly ingress?: IngressConnector<S>;
  readonly egress?: EgressConnector<T>;
}

/**
 * One external system as a self-contained module (a Camel component, a Redpanda Connect plugin): its kind, the
 * schemas of its source and target config, the addresses a source claims, its offline checks, the settings it reads,
 * and a factory for its ingress and egress. The bus's connector list (apps/bus) is a list of these; the route schema,
 * `junction validate`, `junction test`, the schema export and the runtime all take that one list, so adding a
 * connector is one folder and one line in it.
 */
export interface ConnectorModule<S = any, T = any> extends ConnectorSpec<S, T> {
  /** One line for `GET /admin/connectors` and the docs. */
  readonly title: string;
  /** Names of the settings (env schema keys) this connector reads. */
  readonly settings: readonly (keyof Settings)[];
  /**
   * Builds the connector for one bus; called once at start-up, before any route is bound. No I/O: connections open
   * when routes are bound (ingress) or on first send (egress).
   */
  create(context: ConnectorContext): ConnectorRuntime<S, T>;
}

/**
 * Checks a connector list once: every module has a kind of its own, and a factory for each side it has a schema for.
 * Returns the list as given, so that a list is written `connectorList([...])` where it is declared.
 */
export function connectorList<L extends readonly ConnectorModule[]>(modules: L): L {
  const seen = new Set<string>();
  for (const m of modules) {
    if (seen.has(m.kind)) throw new Error(`two connectors of kind "${m.kind}"`);
    seen.add(m.kind);
  }
  return modules;
}
