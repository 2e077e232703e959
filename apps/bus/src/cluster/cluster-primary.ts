import cluster, { type Worker } from 'node:cluster';
import { AdminAuth, adminAuthOptions, type LoginBody } from '@junction/admin';
import type { Settings } from '@junction/config';
import { createStore } from '@junction/store';
import {
  addRouteCounts,
  aggregateMetrics,
  mergeHistories,
  mergeSnapshots,
  type HistoryCounts,
  type MetricsJson,
  type RouteCounts,
  type SnapshotPart,
} from '@junction/telemetry';
import type { Logger } from 'pino';
import { IpcLink } from './ipc-link';
import { READY } from './cluster-worker';
import { workerEnv, workerExecArgv } from './worker-env';

// A worker that dies is replaced after a wait that doubles with each death in a row, from 1 s up to 30 s; one that
// ran this long is counted as healthy again.
const RESTART_FIRST_MS = 1000;
const RESTART_MAX_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;
// Beyond the workers' own drain (SHUTDOWN_TIMEOUT_MS): the time to close listeners and the store.
const STOP_MARGIN_MS = 30_000;
// A reload reads the route folder and compiles every route: it may take longer than a figures request.
const RELOAD_TIMEOUT_MS = 50_000;

interface Slot {
  readonly number: number;
  worker?: Worker;
  link?: IpcLink;
  ready: boolean;
  startedAt: number;
  deathsInARow: number;
}

/**
 * The primary process of a bus run as `workers` processes (node:cluster): it runs the store's migrations once, then
 * forks the workers, which share the listening ports (the primary accepts and hands connections round the workers)
 * and the store. It holds what must be one for the whole bus: admin sessions and the login throttle (an AdminAuth),
 * and it gathers the workers' figures for `/metrics`, the live figures and the history, and passes a route reload
 * to every worker. A worker that dies is replaced (with a backoff); SIGTERM or SIGINT drains every worker and exits
 * once they have (0 when each exited cleanly). A worker whose start fails during the first start stops the bus with
 * its exit code, as a single process would. Workers exit by themselves when the primary dies (node:cluster).
 */
export async function runPrimary(settings: Settings, workers: number, log: Logger): Promise<void> {
  // Once, before any worker opens the store: workers starting together never race on the schema.
  const store = createStore({ url: settings.DATABASE_URL, logger: log });
  const migrated = await store.init().then(
    () => undefined,
    (err: Error) => err,
  );
  await store.close().catch(() => undefined);
  if (migrated) {
    process.stderr.write(`junction: cannot start: ${migrated.message}\n`);
    process.exit(1);
  }

  const auth = new AdminAuth(adminAuthOptions(settings));
  const slots: Slot[] = Array.from({ length: workers }, (_, i) => ({ number: i + 1, ready: false, startedAt: 0, deathsInARow: 0 }));
  let started = false;
  let stopping = false;

  /** Asks every ready worker (but `except`), leaving out those that fail or do not answer. */
  const gather = async <T>(op: string, args: unknown = null, except?: Slot): Promise<T[]> => {
    const asked = slots.filter((s) => s.ready && s.link && s !== except);
    const answers = await Promise.allSettled(asked.map((s) => s.link!.ask<T>(op, args)));
    for (const [i, a] of answers.entries()) {
      if (a.status === 'rejected') log.warn({ worker: asked[i].number, op, err: (a.reason as Error).message }, 'a worker did not answer');
    }
    return answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  };

  const handlersFor = (slot: Slot) => ({
    'auth.authenticate': (request: unknown) => auth.check(request as Parameters<AdminAuth['check']>[0]),
    'auth.login': (args: unknown) => {
      const { body, remote } = args as { body: LoginBody; remote: string };
      return auth.checkLogin(body, remote);
    },
    'auth.logout': (request: unknown) => auth.closeSession(request as Parameters<AdminAuth['closeSession']>[0]),
    metrics: async () => aggregateMetrics(await gather<MetricsJson>('metricsJson')),
    snapshot: async () => {
      const parts = await gather<SnapshotPart>('snapshotPart');
      if (parts.length === 0) throw new Error('no worker answered');
      return mergeSnapshots(parts);
    },
    history: async (args: unknown) => {
      const known = (await gather<HistoryCounts[] | null>('historyCounts', args)).filter((h): h is HistoryCounts[] => h !== null);
      return known.length === 0 ? null : { step: 1000, points: mergeHistories(known) };
    },
    routeCounts: async (route: unknown) => addRouteCounts(await gather<RouteCounts>('routeCounts', route)),
    reloadOthers: async () => {
      // Each other worker reloads the same folder; one that refuses it or does not answer runs other routes now,
      // which the admin who asked must be told.
      const asked = slots.filter((s) => s.ready && s.link && s !== slot);
      const answers = await Promise.allSettled(asked.map((s) => s.link!.ask<{ ok: boolean; problems?: unknown[] }>('reload', null, RELOAD_TIMEOUT_MS)));
      const failed = answers.flatMap((a, i) =>
        a.status === 'rejected'
          ? [`worker ${asked[i].number}: ${(a.reason as Error).message}`]
          : a.value.ok
            ? []
            : [`worker ${asked[i].number}: refused the route set (${a.value.problems?.length ?? 0} problems)`],
      );
      if (failed.length > 0) throw new Error(`the reload did not take on every process: ${failed.join('; ')}`);
    },
  });

  const extraEnv = workerEnv(process.env);
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env) });
  const fork = (slot: Slot) => {
    // Each process claims work under a name of its own: with INSTANCE_ID set, the instance's name and the slot.
    const env = { ...extraEnv, ...(settings.INSTANCE_ID ? { INSTANCE_ID: `${settings.INSTANCE_ID}-${slot.number}` } : {}) };
    const worker = cluster.fork(env);
    slot.worker = worker;
    slot.ready = false;
    slot.startedAt = Date.now();
    slot.link = new IpcLink(worker, handlersFor(slot), (err) =>
      log.warn({ worker: slot.number, err: err.message }, 'a message to a worker was lost (its channel closed)'),
    );
    worker.on('message', (message: unknown) => {
      if ((message as { junction?: unknown } | null)?.junction !== READY) return;
      slot.ready = true;
      log.info({ worker: slot.number, pid: worker.process.pid }, 'worker ready');
      if (!started && slots.every((s) => s.ready)) {
        started = true;
        log.info({ workers, pid: process.pid }, 'bus started as several processes');
      }
    });
    worker.on('exit', (code, signal) => {
      slot.link?.close('the worker exited');
      slot.worker = slot.link = undefined;
      slot.ready = false;
      if (stopping) return;
      if (!started) {
        // The first start failed (bad routes, a port taken...): stop as a single process would, with its code.
        log.error({ worker: slot.number, code, signal }, 'a worker could not start; stopping');
        void stopAll('start failed').then(() => process.exit(code || 1));
        return;
      }
      if (Date.now() - slot.startedAt >= HEALTHY_AFTER_MS) slot.deathsInARow = 0;
      const waitMs = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** slot.deathsInARow);
      slot.deathsInARow++;
      log.error({ worker: slot.number, pid: worker.process.pid, code, signal, restartInMs: waitMs }, 'worker died; replacing it');
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, waitMs);
    });
  };

  const stopAll = async (reason: string): Promise<boolean> => {
    stopping = true;
    const running = slots.flatMap((s) => (s.worker ? [{ worker: s.worker, ready: s.ready }] : []));
    log.info({ reason, workers: running.length }, 'stopping the workers');
    // A worker stopped by this SIGTERM before it had loaded enough to listen for it had nothing to drain: clean too.
    const exits = running.map(
      ({ worker, ready }) =>
        new Promise<boolean>((resolve) =>
          worker.once('exit', (code, signal) => resolve((code === 0 && signal === null) || (!ready && signal === 'SIGTERM'))),
        ),
    );
    const workersRunning = running.map((r) => r.worker);
    for (const w of workersRunning) w.process.kill('SIGTERM');
    const kill = setTimeout(() => {
      for (const w of workersRunning) if (!w.isDead()) w.process.kill('SIGKILL');
    }, settings.SHUTDOWN_TIMEOUT_MS + STOP_MARGIN_MS);
    const clean = (await Promise.all(exits)).every(Boolean);
    clearTimeout(kill);
    return clean;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    log.info({ signal }, 'shutting down');
    void stopAll(signal).then((clean) => process.exit(clean ? 0 : 1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  log.info({ workers, pid: process.pid }, 'starting the bus as several processes');
  for (const slot of slots) fork(slot);
}
