import type { History, LiveSnapshot, RouteCounts } from '@junction/telemetry';
import type { SharedAdminAuth } from './auth/admin-auth';

/** DI token of the BusPeers, or null when this process is the whole bus. */
export const BUS_PEERS = Symbol('BUS_PEERS');

/**
 * The other processes of this bus when it runs as several (WORKERS > 1), reached through the primary process: what
 * the admin API shows or does for the whole bus rather than for the process that happens to answer. Each call
 * gathers from every live process (one that does not answer within a few seconds is left out).
 */
export interface BusPeers {
  /** Logins and the login throttle, held by the primary so that they hold for every process. */
  readonly auth: SharedAdminAuth;
  /** The Prometheus exposition of every process added up. */
  metricsText(): Promise<string>;
  /** The live figures of every process added up. */
  snapshot(): Promise<LiveSnapshot>;
  /** The per-second history of every process added up; undefined when no process knows the route. */
  history(route: string | undefined, minutes: number): Promise<History | undefined>;
  /** A route's counters in every process added up. */
  routeCounts(route: string): Promise<RouteCounts>;
  /** Reloads the routes in every other process (this one has reloaded); resolves once they have, or failed to. */
  reloadOthers(): Promise<void>;
}
