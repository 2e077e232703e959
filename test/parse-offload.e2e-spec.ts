import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, type TargetServer } from '@junction/testing';
import { startChildBus, type ChildBus } from './support/child-bus';
import { copyWsdlFixtures, ORDERS_NS } from './support/soap';
import { getJson } from './support/test-bus';

/**
 * A flood of 100 KB XML bodies on routes that parse them, on a built bus running as its own process with the default
 * parse threshold (32 KiB: every flood body goes to a worker) and one worker with a short backlog, so that the flood
 * overflows it: every flood request is answered, 200 (or 202) or 503 with Retry-After and nothing journaled for it,
 * none is lost or left hanging, and a small request to another route is answered all along. Limits are generous,
 * for a busy machine; the probe's latencies are printed, not asserted.
 */

const ROUTES = `
routes:
  - id: flood
    from: { http: { path: /flood } }
    mode: sync
    xml: { arrays: [orders.order] }
    steps:
      - choice:
          when:
            - if: "orders.order[0].symbol = 'IBM'"
              to: [{ id: ibm, http: { url: "\${TARGET_URL}/ibm" } }]
          otherwise:
            to: [{ id: other, http: { url: "\${TARGET_URL}/other" } }]
  - id: probe
    from: { http: { path: /probe } }
    mode: sync
    to: [{ id: probe-echo, http: { url: "\${TARGET_URL}/probe" } }]
  - id: flood-soap
    from: { soap: { path: /soap/orders, wsdl: wsdl/order-service.wsdl } }
    mode: async
    to: [{ id: soap-sink, http: { url: "\${TARGET_URL}/soap" } }]
`;

/** Every request gets this long before it counts as hung. */
const ANSWER_WITHIN_MS = 60_000;

/** About 100 KB of orders, the first one's symbol `symbol`. */
function orders(symbol: string): Buffer {
  const unit = (s: string) => `<order><symbol>${s}</symbol><price>172.23</price><volume>10000</volume></order>`;
  return Buffer.from(`<orders>${unit(symbol)}${unit('MSFT').repeat(1250)}</orders>`);
}

/** A SOAP 1.2 PlaceOrder of about 100 KB. */
function placeOrder(id: string): Buffer {
  const line = '<o:Line><o:Sku>S-1</o:Sku><o:Quantity>2</o:Quantity><o:UnitPrice>3.50</o:UnitPrice></o:Line>';
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>` +
      `<o:PlaceOrder xmlns:o="${ORDERS_NS}"><o:Order><o:OrderId>${id}</o:OrderId><o:CustomerId>C-1</o:CustomerId><o:Currency>EUR</o:Currency>` +
      `${line.repeat(1100)}</o:Order></o:PlaceOrder></s:Body></s:Envelope>`,
  );
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly text: string;
  readonly messageId: string | null;
  readonly ms: number;
}

/** A POST with a time limit: a request that gets no answer within it rejects, failing the test. */
async function post(url: string, body: Buffer, contentType: string): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(ANSWER_WITHIN_MS) });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text, messageId: res.headers.get('x-message-id'), ms: performance.now() - started };
}

/** `count` requests, `concurrency` at a time; the answers in request order. */
async function flood(count: number, concurrency: number, send: (i: number) => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        answers[i] = await send(i);
      }
    }),
  );
  return answers;
}

/** Small requests to the probe route, one at a time, until `done` settles. */
async function probe(url: string, done: Promise<unknown>): Promise<Answer[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const answers: Answer[] = [];
  while (!finished) answers.push(await post(url, Buffer.from('<ping><n>1</n></ping>'), 'application/xml'));
  return answers;
}

function summary(label: string, answers: readonly Answer[]): string {
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]);
  return `${label}: ${answers.length} answers, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${Math.round(ms[ms.length - 1])} ms`;
}

describe('a flood of 100 KB XML bodies on a bus with one parse worker and a backlog of 2', () => {
  let dir: string;
  let target: TargetServer;
  let bus: ChildBus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-offload-'));
    target = await startTargetServer();
    const routesDir = join(dir, 'offload-routes');
    mkdirSync(routesDir, { recursive: true });
    copyWsdlFixtures(routesDir);
    bus = await startChildBus({
      dir,
      name: 'offload',
      routes: ROUTES,
      databaseUrl: `sqlite:${join(dir, 'offload.db')}`,
      env: { TARGET_URL: target.url, XML_WORKERS: '1', XML_WORKER_BACKLOG: '2' },
    });
  });
  afterAll(async () => {
    await bus?.child.kill('SIGTERM');
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('300 requests at c=50 on an HTTP route: each answered 200 or 503 with Retry-After, only the 200s journaled; the probe always answered', async () => {
    const flooding = flood(300, 50, (i) => post(`${bus.url}/flood`, orders(i % 2 === 0 ? 'IBM' : 'MSFT'), 'application/xml'));
    const probed = await probe(`${bus.url}/probe`, flooding);
    const answers = await flooding;
    process.stdout.write(
      `parse offload: HTTP flood ${answers.filter((a) => a.status === 200).length} x 200, ${answers.filter((a) => a.status === 503).length} x 503; ` +
        `${summary('flood', answers)}; ${summary('probe', probed)}\n`,
    );

    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    expect(ok.length + refused.length).toBe(300);
    // One worker and two places in its backlog for fifty callers: some are refused, and some get through.
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.text)).toMatchObject({ status: 503, code: 'WORKERS_BUSY' });
    }
    // The route read each body it took: the choice sent it by its first order's symbol.
    expect(target.count('/ibm') + target.count('/other')).toBe(ok.length);
    expect(target.count('/ibm')).toBeGreaterThan(0);
    expect(target.count('/other')).toBeGreaterThan(0);

    expect(probed.length).toBeGreaterThan(0);
    expect(probed.every((a) => a.status === 200)).toBe(true);

    // Taken messages are journaled; refused ones were never taken and left no trace.
    const journaled = (await getJson(`${bus.url}/admin/messages?route=flood&limit=1000`)) as Array<{ id: string }>;
    expect(journaled).toHaveLength(ok.length);
    expect(new Set(journaled.map((m) => m.id))).toEqual(new Set(ok.map((a) => a.messageId)));
    expect((await fetch(`${bus.url}/health`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
  }, 240_000);

  test('100 SOAP requests at c=25: each accepted (200) or a Fault with 503 and Retry-After, only the accepted ones stored and delivered', async () => {
    const before = target.count('/soap');
    const flooding = flood(100, 25, (i) => post(`${bus.url}/soap/orders`, placeOrder(`F-${i}`), 'application/soap+xml'));
    const probed = await probe(`${bus.url}/probe`, flooding);
    const answers = await flooding;
    process.stdout.write(
      `parse offload: SOAP flood ${answers.filter((a) => a.status === 200).length} x 200, ${answers.filter((a) => a.status === 503).length} x 503; ` +
        `${summary('flood', answers)}; ${summary('probe', probed)}\n`,
    );

    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    expect(ok.length + refused.length).toBe(100);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of ok) expect(a.text).toContain('PlaceOrderResponse');
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.text).toContain('Fault');
      expect(r.text).toContain('WORKERS_BUSY');
    }
    expect(probed.every((a) => a.status === 200)).toBe(true);

    await target.waitFor(before + ok.length, 120_000, '/soap');
    const journaled = (await getJson(`${bus.url}/admin/messages?route=flood-soap&limit=1000`)) as unknown[];
    expect(journaled).toHaveLength(ok.length);
    expect((await fetch(`${bus.url}/health`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
  }, 240_000);
});
