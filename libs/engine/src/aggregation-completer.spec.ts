import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newMessageId, type IngressConnector, type Logger } from '@junction/core';
import { CaptureEgress } from '@junction/routing';
import { createStore, type NewMessage, type Store } from '@junction/store';
import { AggregationCompleter } from './aggregation-completer';
import { OutboxWorker } from './outbox-worker';
import { RouteTable } from './route-table';
import { SPEC_CONNECTORS } from '../../connectors/src/testing/spec-connectors';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const ingress: IngressConnector = { kind: 'http', prepare: async () => undefined, start: async () => undefined, bind: () => undefined, close: async () => undefined };

const route = (aggregate: string) => `routes:
  - id: lines
    from: { http: { path: /lines } }
    steps:
      - aggregate: ${aggregate}
      - setHeaders: { x-stage: after }
    to: [{ id: erp, http: { url: "http://erp.invalid/orders" } }]
`;

function part(body: object): NewMessage {
  const id = newMessageId();
  return {
    id, routeId: 'lines', correlationId: `c-${id}`, sourceKind: 'http', sourceAddress: '/lines', mode: 'async',
    headers: { 'content-type': 'application/json' }, contentType: 'application/json', body: Buffer.from(JSON.stringify(body)), receivedAt: Date.now(),
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('AggregationCompleter with the outbox worker', () => {
  let dir: string;
  let store: Store;
  let egress: CaptureEgress;
  let routes: RouteTable;
  let worker: OutboxWorker;
  let completer: AggregationCompleter;

  const start = async (aggregate: string) => {
    writeFileSync(join(dir, 'lines.yaml'), route(aggregate));
    expect((await routes.reload()).ok).toBe(true);
    completer = new AggregationCompleter(store, routes, { leaseMs: 30_000, batch: 100, wakeOutbox: () => worker.wake() }, silent);
    worker = new OutboxWorker(
      store,
      routes,
      { concurrency: 16, batch: 100, pollMs: 50, leaseMs: 30_000, callTimeoutMs: 5000, poisonMaxClaims: 5, held: () => completer.wake() },
      silent,
    );
    worker.start();
    completer.start();
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-completer-'));
    egress = new CaptureEgress('http');
    routes = new RouteTable({ connectors: SPEC_CONNECTORS, dir, env: {}, egress: new Map([['http', egress]]), ingress: new Map([['http', ingress]]) });
    store = createStore({ url: 'sqlite::memory:', instanceId: 'w1' });
    await store.init();
  });
  afterEach(async () => {
    await completer?.stop();
    await worker?.stop(1000);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the parts, completes the group once, and routes the aggregate through the steps after the aggregate step', async () => {
    await start(`{ correlation: orderId, completion: { size: 3 }, aggregate: '{ "orderId": $[0].orderId, "lines": $.line }' }`);
    const parts = [part({ orderId: 'A', line: 1 }), part({ orderId: 'B', line: 1 }), part({ orderId: 'A', line: 2 }), part({ orderId: 'A', line: 3 })];
    for (const p of parts) await store.acceptMessage(p);
    worker.wake();
    await until(() => egress.calls.length === 1);
    const [call] = egress.calls;
    expect(JSON.parse(call.message.body.bytes().toString())).toEqual({ orderId: 'A', lines: [1, 2, 3] });
    expect(call.message.headers).toMatchObject({ 'x-stage': 'after', 'x-aggregate-parts': '3' });
    expect(completer.counts).toEqual({ completed: 1, expired: 0, refused: 0 });
    expect(await store.correlation.listGroups()).toMatchObject([{ key: 'B', parts: 1, size: 3 }]);
    await until(async () => (await store.getMessage(parts[0].id))?.status === 'aggregated');
    expect((await store.getMessage(parts[1].id))?.status).toBe('held');
    expect(worker.counts.routed).toBe(5);
  });

  it('dead-letters the group when its predicate fails, with the error as the reason', async () => {
    await start(`{ correlation: k, completion: { when: '$error("no way")' } }`);
    const p = part({ k: 'x' });
    await store.acceptMessage(p);
    worker.wake();
    await until(async () => (await store.getMessage(p.id))?.status === 'dead');
    const m = await store.getMessage(p.id);
    expect(m?.failure?.code).toBe('AGGREGATION_FAILED');
    expect(m?.deadLetters).toHaveLength(1);
    expect(completer.counts.expired).toBe(1);
    expect(egress.calls).toEqual([]);
  });

  it('a group whose step is gone after a reload is dead-lettered at its timeout', async () => {
    await start(`{ correlation: k, completion: { size: 5 }, timeout: 1s }`);
    const p = part({ k: 'x' });
    await store.acceptMessage(p);
    worker.wake();
    await until(async () => (await store.getMessage(p.id))?.status === 'held');
    writeFileSync(join(dir, 'lines.yaml'), route('{ correlation: k, completion: { size: 5 } }').replace('    steps:\n', '    steps:\n      - setHeaders: { x-first: "1" }\n'));
    expect((await routes.reload()).ok).toBe(true);
    await until(async () => (await store.getMessage(p.id))?.status === 'dead');
    expect((await store.getMessage(p.id))?.failure?.code).toBe('AGGREGATOR_GONE');
  });
});
