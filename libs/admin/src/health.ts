import cluster from 'node:cluster';
import type { BusRuntime } from '@junction/engine';

/** Liveness and readiness figures, shared by the Nest controller and the ingress listener's own health routes. */
export async function healthReport(bus: BusRuntime) {
  const store = await bus.store.health();
  const routes = bus.routes.list().length;
  const ready = store.ok && routes > 0;
  // Which process answered, when the bus runs as several (WORKERS > 1): the cluster's worker number, not the pid.
  const worker = cluster.isWorker ? { worker: cluster.worker!.id } : {};
  return { status: ready ? 'ok' : 'unavailable', live: true, ready, store, routes, lastReload: bus.routes.lastReload, ...worker };
}

interface HealthServer {
  get(path: string, handler: (req: unknown, reply: { code(n: number): { send(body: unknown): unknown } }) => Promise<unknown> | unknown): unknown;
}

/** Health routes on a listener Nest does not run (the ingress port, when the admin has a port of its own), so that
 *  load balancers probe the port they send traffic to. */
export function mountHealth(server: HealthServer, bus: BusRuntime): void {
  server.get('/health', async (_req, reply) => {
    const report = await healthReport(bus);
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  server.get('/health/live', (_req, reply) => reply.code(200).send({ live: true }));
  server.get('/health/ready', async (_req, reply) => {
    const { ready, store } = await healthReport(bus);
    return reply.code(ready ? 200 : 503).send({ ready, store });
  });
}
