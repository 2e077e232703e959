import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newMessageId, type IngressConnector, type Logger } from '@junction/core';
import { CaptureEgress } from '@junction/routing';
import { createStore, type NewMessage, type Store } from '@junction/store';
import { OutboxWorker, type OutboxWorkerOptions } from './outbox-worker';
import { RouteTable } from './route-table';
import { SPEC_CONNECTORS } from '../../connectors/src/testing/spec-connectors';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;

/** An ingress that accepts any binding: the worker only needs the compiled routes. */
const ingress: IngressConnector = {
  kind: 'http',
  prepare: async () => undefined,
  start: async () => undefined,
  bind: () => undefined,
  close: async () => undefined,
};

const ROUTES = `routes:
  - id: orders
    from: { http: { path: /orders } }
    mode: async
    to:
      - id: crm
        http: { url: "http://crm.invalid/orders" }
      - id: erp
        http: { url: "http://erp.invalid/orders" }
`;

function accepted(): NewMessage {
  const id = newMessageId();
  return {
    id,
    routeId: 'orders',
    correlationId: id,
    sourceKind: 'http',
    sourceAddress: '/orders',
    mode: 'async',
    headers: { 'content-type': 'application/json' },
    contentType: 'application/json',
    body: Buffer.from(`{"order":"${id}"}`),
    receivedAt: Date.now(),
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('OutboxWorker', () => {
  let dir: string;
  let store: Store;
  let egress: CaptureEgress;
  let routes: RouteTable;
  let worker: OutboxWorker | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-worker-'));
    writeFileSync(join(dir, 'orders.yaml'), ROUTES);
    egress = new CaptureEgress('http');
    routes = new RouteTable({ connectors: SPEC_CONNECTORS, dir, env: {}, egress: new Map([['http', egress]]), ingress: new Map([['http', ingress]]) });
    expect((await routes.reload()).ok).toBe(true);
    store = createStore({ url: 'sqlite::memory:', instanceId: 'w1' });
    await store.init();
  });

  afterEach(async () => {
    await worker?.stop(1000);
    worker = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (options: Partial<OutboxWorkerOptions> = {}) => {
    worker = new OutboxWorker(
      store,
      routes,
      { concurrency: 32, batch: 100, pollMs: 1000, leaseMs: 30_000, callTimeoutMs: 5000, ...options },
      silent,
    );
    worker.start();
    return worker;
  };

  it('delivers a burst with few claims: wakes coalesced, deliveries handed off by routing without a claim', async () => {
    const claimMessages = jest.spyOn(store, 'claimMessages');
    const claimDeliveries = jest.spyOn(store, 'claimDeliveries');
    // Slots for every delivery, so that each routing can hand off both of its own.
    const w = start({ concurrency: 200 });
    const messages = Array.from({ length: 60 }, accepted);
    await Promise.all(messages.map((m) => store.acceptMessage(m).then(() => w.wake())));
    await until(async () => (await store.stats()).messages.delivered === 60);

    expect(w.counts).toEqual({ routed: 60, delivered: 120, retried: 0, dead: 0 });
    expect(egress.calls).toHaveLength(120);
    const claimedMessages = await Promise.all(claimMessages.mock.results.map((r) => r.value as Promise<unknown[]>));
    const passes = claimedMessages.filter((rows) => rows.length > 0).length;
    expect(passes).toBeLessThanOrEqual(15);
    // Every delivery was handed to the worker by its routing: no claim returned one.
    const claimedDeliveries = await Promise.all(claimDeliveries.mock.results.map((r) => r.value as Promise<unknown[]>));
    expect(claimedDeliveries.flat()).toEqual([]);
    const detail = await store.getMessage(messages[0].id);
    expect(detail?.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });

  it('leaves the deliveries it has no slot for free for a claim, and still delivers them all', async () => {
    const claimDeliveries = jest.spyOn(store, 'claimDeliveries');
    const w = start({ concurrency: 1, pollMs: 20 });
    const messages = Array.from({ length: 5 }, accepted);
    for (const m of messages) await store.acceptMessage(m);
    w.wake();
    await until(async () => (await store.stats()).messages.delivered === 5);

    expect(w.counts.delivered).toBe(10);
    // One of each message's two deliveries was handed off (the routing's own slot), the other claimed.
    const claimed = (await Promise.all(claimDeliveries.mock.results.map((r) => r.value as Promise<unknown[]>))).flat();
    expect(claimed).toHaveLength(5);
  });

  it('claims nothing once stopped: accepted messages stay in the store for other instances', async () => {
    const w = start();
    // Stopped before the message is accepted: the store has it, no worker takes it.
    await w.stop(1000);
    const m = accepted();
    await store.acceptMessage(m);
    w.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(egress.calls).toHaveLength(0);
    expect((await store.getMessage(m.id))?.status).toBe('received');
  });
});
