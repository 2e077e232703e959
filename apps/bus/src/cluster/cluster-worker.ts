import type { BusPeers, SharedAdminAuth } from '@junction/admin';
import type { History, LiveSnapshot, RouteCounts } from '@junction/telemetry';
import type { RunningBus } from '../bootstrap';
import { ASK_TIMEOUT_MS, IpcLink, type IpcChannel } from './ipc-link';

/** What a worker sends the primary once its bus listens. */
export const READY = 'ready';

/** A worker's side of the cluster: the bus's peers as the admin API reaches them, and the worker's answers. */
export interface PrimaryConnection {
  readonly peers: BusPeers;
  /** Starts answering the primary's requests about `bus`, and tells the primary the worker is ready. */
  serve(bus: RunningBus): void;
}

/**
 * Connects a worker to its primary over the cluster's IPC channel (`process`). The primary asks each worker for its
 * figures (registry, live part, history counts) and to reload its routes; the worker asks the primary about logins
 * and for the whole bus's figures.
 */
export function connectToPrimary(channel: IpcChannel = process as unknown as IpcChannel): PrimaryConnection {
  let bus: RunningBus | undefined;
  const running = () => {
    if (!bus) throw new Error('this worker is still starting');
    return bus.runtime;
  };
  const link = new IpcLink(channel, {
    metricsJson: () => running().telemetry.metricsJson(),
    snapshotPart: () => running().telemetry.snapshotPart(),
    historyCounts: (args) => {
      const { route, minutes } = args as { route: string | null; minutes: number };
      return running().telemetry.historyCounts(route ?? undefined, minutes) ?? null;
    },
    routeCounts: (route) => running().telemetry.routeCounts(route as string),
    reload: () => running().reload('admin'),
  });
  const auth: SharedAdminAuth = {
    authenticate: (request) => link.ask('auth.authenticate', request),
    login: (body, remote) => link.ask('auth.login', { body, remote }),
    logout: (request) => link.ask('auth.logout', request),
  };
  const peers: BusPeers = {
    auth,
    // The primary waits ASK_TIMEOUT_MS at most for each worker; this leaves it the time to.
    metricsText: () => link.ask<string>('metrics', null, 2 * ASK_TIMEOUT_MS),
    snapshot: () => link.ask<LiveSnapshot>('snapshot', null, 2 * ASK_TIMEOUT_MS),
    history: async (route, minutes) => (await link.ask<History | null>('history', { route: route ?? null, minutes }, 2 * ASK_TIMEOUT_MS)) ?? undefined,
    routeCounts: (route) => link.ask<RouteCounts>('routeCounts', route, 2 * ASK_TIMEOUT_MS),
    // A reload reads the route folder and compiles: longer than the default wait when the routes are many.
    reloadOthers: async () => void (await link.ask('reloadOthers', null, 60_000)),
  };
  return {
    peers,
    serve(running) {
      bus = running;
      channel.send({ junction: READY });
    },
  };
}
