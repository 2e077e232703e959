import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, type TargetServer } from '@junction/testing';
import type { LiveSnapshot } from '@junction/telemetry';
import { PrometheusText } from '../libs/telemetry/src/testing/prometheus-text';
import { startChildBus, type ChildBus } from './support/child-bus';
import { copyWsdlFixtures, ORDERS_NS } from './support/soap';
import { getJson, TEST_ADMIN_TOKEN } from './support/test-bus';

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

/** The bus's `/metrics`. */
async function metricsOf(bus: ChildBus): Promise<PrometheusText> {
  const res = await fetch(`${bus.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, signal: AbortSignal.timeout(10_000) });
  return new PrometheusText(await res.text());
}

/** Requests of `route` refused for a full parse backlog, as /metrics counts them. */
async function refusedBusy(bus: ChildBus, route: string): Promise<number> {
  return (await metricsOf(bus)).sum('junction_messages_rejected_total', { route, code: 'WORKERS_BUSY' });
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
    // Every refusal shows where an admin looks, whether it came from the headers or once the body was read.
    expect(await refusedBusy(bus, 'flood')).toBe(refused.length);
    const live = (await getJson(`${bus.url}/admin/live/snapshot`)) as LiveSnapshot;
    expect(live.routes.flood.totals).toMatchObject({ completed: ok.length, failed: refused.length });
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
    expect(await refusedBusy(bus, 'flood-soap')).toBe(refused.length);
    expect((await fetch(`${bus.url}/health`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
  }, 240_000);
});

/** What a caller got who sent a request's headers and held its body back until answered or `waitMs` passed. */
interface HeldBack {
  /** Whether the answer came before a byte of the body was sent. */
  readonly beforeBody: boolean;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/**
 * Sends a POST's headers (`Connection: close`, Content-Length of `body`), then waits up to `waitMs` for an answer
 * before it writes the body; either way reads the answer until the bus closes the connection (within a minute).
 */
async function headersFirst(base: string, path: string, contentType: string, body: Buffer, waitMs: number): Promise<HeldBack> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  await Promise.race([closed, new Promise((r) => setTimeout(r, waitMs))]);
  const beforeBody = chunks.length > 0;
  if (!beforeBody) socket.write(body);
  const limit = setTimeout(() => socket.destroy(new Error('no answer within a minute')), 60_000);
  await closed;
  clearTimeout(limit);
  const raw = Buffer.concat(chunks).toString('utf8');
  const split = raw.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = raw.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
  return { beforeBody, status: Number(statusLine?.split(' ')[1]), headers, text: raw.slice(split + 4) };
}

/** About `mb` MB of orders: seconds of parsing for the one worker, holding it and its backlog. */
function bigOrders(mb: number): Buffer {
  const unit = '<order><symbol>MSFT</symbol><price>172.23</price><volume>10000</volume></order>';
  return Buffer.from(`<orders>${unit.repeat(Math.ceil((mb * 1_000_000) / unit.length))}</orders>`);
}

describe('a large XML body while the parse backlog is full: refused from its headers', () => {
  let dir: string;
  let target: TargetServer;
  let bus: ChildBus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-held-'));
    target = await startTargetServer();
    const routesDir = join(dir, 'held-routes');
    mkdirSync(routesDir, { recursive: true });
    copyWsdlFixtures(routesDir);
    bus = await startChildBus({
      dir,
      name: 'held',
      routes: ROUTES,
      databaseUrl: `sqlite:${join(dir, 'held.db')}`,
      // One process (so that every connection meets the one pool), one worker, one place in its backlog.
      env: { TARGET_URL: target.url, WORKERS: '1', XML_WORKERS: '1', XML_WORKER_BACKLOG: '1' },
    });
  });
  afterAll(async () => {
    await bus?.child.kill('SIGTERM');
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a 100 KB body gets 503 with Retry-After before it is sent, nothing is journaled for it, and the bus answers others', async () => {
    // Bodies of a few MB, two at a time (one on the worker, one in the backlog, for seconds each), sent again as each
    // is answered until the refusals were seen: a loaded machine may take longer to get there than two bodies last.
    const held: Array<{ status: number }> = [];
    // Every answer to a large body, by path: its 503s are what the refused counts must show.
    const busy = { '/flood': 0, '/soap/orders': 0 };
    let holding = true;
    const hold = async () => {
      while (holding) held.push(await post(`${bus.url}/flood`, bigOrders(4), 'application/xml'));
    };
    const holders = [hold(), hold()];
    let http: HeldBack | undefined;
    let soap: HeldBack | undefined;
    const sentBodies: HeldBack[] = [];
    const deadline = Date.now() + 60_000;
    while ((!http || !soap) && Date.now() < deadline) {
      if (!http) {
        const h = await headersFirst(bus.url, '/flood', 'application/xml', orders('IBM'), 500);
        if (h.status === 503) busy['/flood']++;
        if (h.beforeBody) http = h;
        else sentBodies.push(h);
      }
      if (!soap) {
        const s = await headersFirst(bus.url, '/soap/orders', 'application/soap+xml', placeOrder('H-1'), 500);
        if (s.status === 503) busy['/soap/orders']++;
        if (s.beforeBody) soap = s;
        else sentBodies.push(s);
      }
    }
    // Meanwhile a small request to another route is answered.
    const probed = await post(`${bus.url}/probe`, Buffer.from('<ping><n>1</n></ping>'), 'application/xml');
    holding = false;
    await Promise.all(holders);

    expect(http).toMatchObject({ beforeBody: true, status: 503, headers: { connection: 'close' } });
    expect(Number(http!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(http!.text)).toMatchObject({ status: 503, code: 'WORKERS_BUSY' });
    expect(http!.headers['x-message-id']).toBeUndefined();
    expect(soap).toMatchObject({ beforeBody: true, status: 503, headers: { connection: 'close' } });
    expect(Number(soap!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(soap!.text).toContain('Fault');
    expect(soap!.text).toContain('WORKERS_BUSY');
    expect(probed.status).toBe(200);

    // Journaled: what was taken (the bodies that held the backlog, and any that came while it had room), nothing else.
    for (const h of held) expect([200, 503]).toContain(h.status);
    const taken = [...held, ...sentBodies.filter((b) => b.headers['x-message-id'] !== undefined)].filter((a) => a.status === 200 || a.status === 202);
    const journaled = (await getJson(`${bus.url}/admin/messages?limit=1000`)) as Array<{ id: string; routeId?: string }>;
    expect(journaled.filter((m) => m.routeId !== 'probe')).toHaveLength(taken.length);
    // Refused from their headers or after their bodies were read, each refusal is counted under its route.
    busy['/flood'] += held.filter((h) => h.status === 503).length;
    expect(busy['/flood']).toBeGreaterThan(0);
    expect(await refusedBusy(bus, 'flood')).toBe(busy['/flood']);
    expect(await refusedBusy(bus, 'flood-soap')).toBe(busy['/soap/orders']);
    expect((await fetch(`${bus.url}/health`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);
  }, 180_000);
});
