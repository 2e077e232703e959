import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@junction/testing';
import { amqpTestClient, TEST_AMQP_URL, TEST_MQTT_URL, uniqueName, waitForCount, type TakenMessage } from '../testing/brokers';
import { ROUTES_WSDL_DIR } from '../testing/legacy-soap-stand-in';
import { redactUrl } from '../broker-url';
import type { WarehouseNames } from '../warehouse.amqp';
import { runDemo, type DemoOptions } from './demo-runner';

/**
 * A stand-in for the bus: serves /health, passes web orders to the sandbox CRM and legacy batches to the sandbox
 * legacy system (so that SANDBOX_URL is exercised), takes orders released for picking without passing them on,
 * nor web orders for the legacy warehouse, answers 202 with x-message-id, and exits 0 on SIGTERM. It prints the broker settings it was given. Other GETs
 * are 404 (no SOAP service published) unless FAKE_BUS_MODE=soap: then node-soap publishes routes/wsdl/legacy-orders.wsdl
 * at /soap/orders with its address at PUBLIC_URL, and SubmitOrder answers ACCEPTED with MessageId soap-<n>, or a
 * Client Fault for an OrderNo ending in 3.
 */
const FAKE_BUS = `
const http = require('node:http');
const fs = require('node:fs');
let n = 0;
const soapMode = process.env.FAKE_BUS_MODE === 'soap';
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return res.end('{"status":"ok"}');
  if (req.method === 'GET' && soapMode && req.url === '/soap/legacy-orders-types.xsd') {
    return res.end(fs.readFileSync(process.env.LEGACY_WSDL.replace('legacy-orders.wsdl', 'legacy-orders-types.xsd')));
  }
  if (req.method === 'GET') { res.writeHead(404); return res.end('{"title":"no route"}'); }
  if (process.env.INGRESS_TOKEN && req.headers.authorization !== 'Bearer ' + process.env.INGRESS_TOKEN) {
    res.writeHead(401);
    return res.end('{"title":"missing or wrong bearer token"}');
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    if (req.url === '/orders/accepted' || req.url === '/legacy-warehouse/orders') { res.writeHead(202, { 'x-message-id': 'm-' + ++n }); return res.end(); }
    const target = req.url === '/orders' ? '/crm/orders' : '/legacy/orders';
    if (process.env.FAKE_BUS_MODE === 'reject') { res.writeHead(404); return res.end('{"title":"no route"}'); }
    await fetch(process.env.SANDBOX_URL + target, { method: 'POST', headers: { 'content-type': req.headers['content-type'] }, body: Buffer.concat(chunks) });
    res.writeHead(req.url === '/orders' && !JSON.parse(Buffer.concat(chunks)).customerId ? 400 : 202, { 'x-message-id': 'm-' + ++n });
    res.end();
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  const setting = (name) => ' ' + name + '=' + (process.env[name] ?? '(unset)');
  console.log('fake bus on ' + process.env.PORT + ' with' + setting('KAFKA_BROKERS') + setting('AMQP_URL') + setting('MQTT_URL'));
  if (!soapMode) return;
  const soap = require(process.env.SOAP_MODULE);
  const port = {
    SubmitOrder(args) {
      const no = args.Order.OrderNo;
      if (no.endsWith('3')) throw { Fault: { faultcode: 'soap:Client', faultstring: 'order ' + no + ' refused', statusCode: 500 } };
      return { OrderNo: no, Status: 'ACCEPTED', MessageId: 'soap-' + ++n };
    },
    CancelOrder() {},
  };
  const xml = fs.readFileSync(process.env.LEGACY_WSDL, 'utf8').replace(/location="[^"]*"/g, 'location="' + process.env.PUBLIC_URL + '/soap/orders"');
  soap.listen(server, { path: '/soap/orders', xml, uri: process.env.LEGACY_WSDL,
    services: { LegacyOrderService: { LegacyOrderSoap11Port: port, LegacyOrderSoap12Port: port } } });
});
if (process.env.FAKE_BUS_MODE === 'die') setTimeout(() => process.exit(7), 400);
process.on('SIGTERM', () => { console.log('fake bus stopping'); server.close(() => process.exit(0)); server.closeAllConnections(); });
`;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('runDemo', () => {
  let lines: string[];
  // Where no broker answers, so that the demo never uses a broker that happens to run on 127.0.0.1:9092, nor the
  // machine's RabbitMQ and MQTT broker (only the tests that ask for them do).
  let noBroker: string;
  let noAmqp: string;
  let noMqtt: string;
  // The legacy warehouse's folder: one per run of this file, never the repository's ./data.
  let warehouseDir: string;
  afterAll(() => rmSync(warehouseDir, { recursive: true, force: true }));
  beforeAll(async () => {
    warehouseDir = mkdtempSync(join(tmpdir(), 'junction-demo-runner-'));
    noBroker = `127.0.0.1:${await freePort()}`;
    noAmqp = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    noMqtt = `mqtt://127.0.0.1:${await freePort()}`;
  });
  const options = (overrides: Partial<DemoOptions> = {}): DemoOptions => ({
    sandboxPort: 0,
    busPort: 0,
    busCommand: process.execPath,
    busArgs: ['-e', FAKE_BUS],
    busEnv: { PATH: process.env.PATH },
    cwd: process.cwd(),
    failureRate: 0,
    durationMs: 1_200,
    seed: 1,
    webEveryMs: 100,
    legacyEveryMs: 300,
    soapEveryMs: 100,
    summaryEveryMs: 500,
    busReadyTimeoutMs: 10_000,
    kafkaBrokers: [noBroker],
    amqpUrl: noAmqp,
    mqttUrl: noMqtt,
    legacyWarehouseDir: warehouseDir,
    log: (line) => lines.push(line),
    ...overrides,
  });
  const logged = () => lines.join('\n');
  const urlOf = (label: RegExp) => {
    const match = lines.map((l) => label.exec(l)).find((m) => m !== null);
    if (!match) throw new Error(`no line matches ${label}\n${logged()}`);
    return match[1];
  };
  const listening = (url: string) =>
    fetch(`${url}/health`).then(
      () => true,
      () => false,
    );

  beforeEach(() => {
    lines = [];
  });

  it('starts the sandbox and the bus, sends orders, summarises, stops both and exits 0', async () => {
    const code = await runDemo(options());
    expect(code).toBe(0);
    const text = logged();
    expect(text).toMatch(/\[bus\] fake bus on \d+/);
    expect(text).toContain('Where to look:');
    expect(text).toMatch(/dead letters\s+curl -u admin:junction-demo http:\/\/127\.0\.0\.1:\d+\/admin\/dead-letters/);
    expect(text).toMatch(/dashboard\s+http:\/\/127\.0\.0\.1:\d+\/dashboard  \(log in as admin \/ junction-demo\)/);
    expect(text).toMatch(/Connectors\s+curl -u admin:junction-demo http:\/\/127\.0\.0\.1:\d+\/admin\/connectors/);
    expect(text).toMatch(/^web {4}W-100001 C-\d{4} .* -> 202 Accepted {2}msg m-\d+$/m);
    expect(text).toMatch(/^legacy B-000001 \d orders? \(L-\d+.*\) {2}-> 202 Accepted/m);
    expect(text).toMatch(/== \d+ s \| sent to the bus: web \d+ \(\d+ accepted\), legacy \d+ \(\d+ accepted\) \| /);
    expect(text).toMatch(/\| sandbox received: crm [1-9]\d*, erp 0, legacy [1-9]\d* \| CRM order events: 0$/m);
    expect(text).toContain('[bus] fake bus stopping');
    expect(text).toMatch(/bus stopped \(exit code 0\)/);
    expect(lines[lines.length - 1]).toBe('sandbox stopped');
    expect(await listening(urlOf(/^sandbox {2}(http:\S+)/))).toBe(false);
    expect(await listening(urlOf(/ready at (http:\S+)/))).toBe(false);
  });

  it('runs the legacy warehouse in its folder, tells the bus where it is, forwards accepted web orders and shows its line', async () => {
    const dir = join(warehouseDir, 'own');
    const code = await runDemo(options({ legacyWarehouseDir: dir, legacyWarehouseEveryMs: 300 }));
    expect(code).toBe(0);
    const text = logged();
    expect(text).toContain(`files    legacy warehouse in ${dir}: a stock CSV into stock/ every 0.3 s`);
    expect(lines.find((l) => l.includes(' with PORT='))).toContain(` LEGACY_WAREHOUSE_DIR=${dir}`);
    // The stand-in bus reads no files: the exports stay in stock/ (the first one before the bus started).
    const last = lines.filter((l) => l.startsWith('== legacy warehouse (files):')).at(-1);
    const counts = /stock CSVs written (\d+) .*\| CRM stock levels: 0 \| order files read 0 .*\| web orders forwarded: (\d+) \((\d+) accepted\)$/.exec(last ?? '');
    expect({ last, counts: counts?.slice(1).map(Number) }).toEqual({ last: expect.any(String), counts: [expect.any(Number), expect.any(Number), expect.any(Number)] });
    expect(Number(counts![1])).toBeGreaterThan(0);
    expect(Number(counts![2])).toBeGreaterThan(0);
    expect(counts![3]).toBe(counts![2]);
    expect(readdirSync(join(dir, 'stock')).filter((f) => f.endsWith('.csv'))).toHaveLength(Number(counts![1]));
  });

  it('says when no Kafka broker answers, tells the bus of none, and runs all the same', async () => {
    const code = await runDemo(options({ durationMs: 400 }));
    expect(code).toBe(0);
    expect(lines).toContain(
      `kafka    no broker at ${noBroker}: ERP order events are off (start one with npm run kafka:start, or set KAFKA_BROKERS)`,
    );
    expect(logged()).toContain('[bus] fake bus on');
    expect(logged()).toContain('with KAFKA_BROKERS=(unset)');
    expect(logged()).not.toMatch(/starting .* KAFKA_BROKERS=/);
    expect(logged()).not.toContain('erp events:');
  });

  it('says which of RabbitMQ and the MQTT broker is absent and how to start it, tells the bus of neither, and runs the rest', async () => {
    const code = await runDemo(options({ durationMs: 600 }));
    expect(code).toBe(0);
    expect(lines).toContain(
      `rabbitmq no broker at ${noAmqp.replace(':guest@', ':***@')}: the warehouse is off (start one with rabbitmq-server -detached ` +
        'or docker run -d -p 5672:5672 rabbitmq:3, or set AMQP_URL)',
    );
    expect(lines).toContain(
      `mqtt     no broker at ${noMqtt}: the device feed is off (start one with mosquitto -d or docker run -d -p 1883:1883 ` +
        'eclipse-mosquitto:2 mosquitto -c /mosquitto-no-auth.conf, or set MQTT_URL)',
    );
    expect(logged()).toContain('with KAFKA_BROKERS=(unset) AMQP_URL=(unset) MQTT_URL=(unset)');
    expect(logged()).not.toMatch(/starting .* (AMQP|MQTT)_URL=/);
    expect(logged()).not.toMatch(/^(warehouse|devices):/m);
    expect(logged()).not.toMatch(/^== (warehouse|devices) \|/m);
    // The rest runs as before.
    expect(logged()).toMatch(/^web {4}W-100001 .* -> 202 Accepted/m);
    expect(logged()).toMatch(/\| sandbox received: crm [1-9]\d*, erp 0, legacy [1-9]\d* \| CRM order events: 0$/m);
  });

  it('says when only one of them is absent, and runs the other', async () => {
    const names = { pickExchange: uniqueName('demo-picks'), pickQueue: uniqueName('demo-picks'), eventExchange: uniqueName('demo-events') };
    const amqp = await amqpTestClient();
    try {
      const code = await runDemo(options({ durationMs: 600, amqpUrl: TEST_AMQP_URL, warehouseNames: names }));
      expect(code).toBe(0);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^rabbitmq broker at ${escape(redactUrl(TEST_AMQP_URL))}: `)));
      expect(lines).toContainEqual(expect.stringMatching(/^mqtt {5}no broker at mqtt:\/\/127\.0\.0\.1:\d+: the device feed is off/));
      expect(logged()).toMatch(/^== warehouse \| /m);
      expect(logged()).not.toMatch(/^== devices \| /m);
    } finally {
      await amqp.remove({ queues: [names.pickQueue], exchanges: [names.pickExchange, names.eventExchange] });
      await amqp.close();
    }
  });

  describe('with RabbitMQ and the MQTT broker of the machine', () => {
    let names: WarehouseNames;
    let amqp: Awaited<ReturnType<typeof amqpTestClient>>;
    beforeEach(async () => {
      names = { pickExchange: uniqueName('demo-picks'), pickQueue: uniqueName('demo-picks'), eventExchange: uniqueName('demo-events') };
      amqp = await amqpTestClient();
    });
    afterEach(async () => {
      await amqp.remove({ queues: [names.pickQueue], exchanges: [names.pickExchange, names.eventExchange] });
      await amqp.close();
    });

    it('runs the warehouse and the device feed, tells the bus where they are, and shows their flows in the summary', async () => {
      let events: TakenMessage[] = [];
      let picked: Promise<void> | undefined;
      const deviceTopicRoot = uniqueName('demo-devices');
      const code = await runDemo(
        options({
          durationMs: 2_500,
          amqpUrl: TEST_AMQP_URL,
          mqttUrl: TEST_MQTT_URL,
          warehouseNames: names,
          deviceTopicRoot,
          deviceEveryMs: 50,
          log: (line) => {
            lines.push(line);
            // The stand-in bus publishes no pick request: the spec does, once the warehouse has declared its exchanges.
            if (line.startsWith('warehouse: connected')) {
              picked = (async () => {
                events = await amqp.collect(names.eventExchange, '#');
                amqp.publish(names.pickExchange, 'pick.de', { orderId: 'W-900001', country: 'DE', lines: [{ sku: 'SKU-LAMP-02', qty: 1 }] });
              })();
            }
          },
        }),
      );
      expect(code).toBe(0);
      await picked;
      await waitForCount(events, 1, 'warehouse events');
      expect(JSON.parse(events[0].body)).toMatchObject({ event: 'ShipmentDispatched', orderId: 'W-900001' });
      const text = logged();
      const amqpShown = redactUrl(TEST_AMQP_URL);
      expect(text).toContain(`rabbitmq broker at ${amqpShown}: the warehouse takes pick requests from exchange ${names.pickExchange}`);
      expect(text).toContain(`mqtt     broker at ${TEST_MQTT_URL}: simulated devices publish telemetry to ${deviceTopicRoot}/<id>/telemetry`);
      // The bus is told where the brokers are; the console shows no password.
      expect(lines.find((l) => l.includes(' with PORT='))).toMatch(new RegExp(` AMQP_URL=${escape(amqpShown)} MQTT_URL=${escape(TEST_MQTT_URL)}$`));
      expect(text).toContain(`[bus] fake bus on ${/ready at http:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1]} with KAFKA_BROKERS=(unset) AMQP_URL=${TEST_AMQP_URL} MQTT_URL=${TEST_MQTT_URL}`);
      const password = new URL(TEST_AMQP_URL).password;
      if (password) expect(lines.filter((l) => !l.startsWith('[bus]') && l.includes(`:${password}@`))).toEqual([]);
      // The final summary: every accepted web order released for picking, the spec's pick request shipped, readings published.
      const last = (label: string) => lines.filter((l) => l.startsWith(`== ${label} | `)).pop() ?? '';
      expect(last('warehouse')).toMatch(/^== warehouse \| released for picking: (\d+) \(\1 accepted\) \| pick requests received: 1 \| events published: 1 \(1 shipped, 0 short of stock\) \| CRM warehouse events: 0$/);
      expect(last('warehouse')).not.toMatch(/released for picking: 0 /);
      expect(last('devices')).toMatch(/^== devices \| 4 devices, readings published: [1-9]\d* \(\d+ over their limit\) \| alerts back to the devices: 0 \| CRM cases: 0$/);
      expect(lines[lines.length - 1]).toBe('sandbox stopped');
    });
  });

  it('marks orders that are invalid on purpose as such when the bus rejects them', async () => {
    // Web orders 100 ms apart for 2.95 s: at most 29, so exactly one 15th, which has no customerId and which the fake
    // bus answers 400; the 15th is due after 1.5 s, leaving a busy machine's timers well over a second to be late.
    const code = await runDemo(options({ webEveryMs: 100, durationMs: 2950 }));
    expect(code).toBe(0);
    expect(logged()).toMatch(/W-100015 \(none\) .* -> 400 Bad Request {2}msg m-\d+ {2}\(invalid on purpose: no customerId\)/);
    expect(logged()).toMatch(/web \d+ \(\d+ accepted, 1 rejected on purpose\)/);
  });

  it('stops when the signal aborts', async () => {
    const stop = new AbortController();
    const running = runDemo(options({ durationMs: undefined, signal: stop.signal, log: (l) => {
      lines.push(l);
      if (l.includes('-> 202')) stop.abort();
    } }));
    expect(await running).toBe(0);
    expect(logged()).toContain('stopping: no more orders');
  });

  it('exits 1 when the bus exits while starting, with its exit code', async () => {
    const code = await runDemo(options({ busArgs: ['-e', 'console.log("cannot start"); process.exit(3)'] }));
    expect(code).toBe(1);
    expect(logged()).toContain('[bus] cannot start');
    expect(logged()).toMatch(/bus did not start: the bus exited while starting \(exit code 3\)/);
    expect(lines[lines.length - 1]).toBe('sandbox stopped');
  });

  it('exits 1 when the bus dies while running', async () => {
    const code = await runDemo(options({ busEnv: { PATH: process.env.PATH, FAKE_BUS_MODE: 'die' }, durationMs: 5_000 }));
    expect(code).toBe(1);
    expect(logged()).toContain('the bus stopped on its own (exit code 7)');
  });

  it('exits 1 when the bus accepts no order', async () => {
    const code = await runDemo(options({ busEnv: { PATH: process.env.PATH, FAKE_BUS_MODE: 'reject' }, durationMs: 400 }));
    expect(code).toBe(1);
    expect(logged()).toMatch(/-> 404 Not Found {2}no route/);
    expect(logged()).toContain('the bus accepted no order');
  });

  it('sends the ingress token as a bearer token when the bus requires one', async () => {
    const busEnv = { PATH: process.env.PATH, INGRESS_TOKEN: 'tok3n' };
    expect(await runDemo(options({ busEnv, ingressToken: 'tok3n', durationMs: 400 }))).toBe(0);
    expect(logged()).toContain('-> 202 Accepted');
    lines = [];
    expect(await runDemo(options({ busEnv, durationMs: 400 }))).toBe(1);
    expect(logged()).toContain('-> 401 Unauthorized  missing or wrong bearer token');
  });

  it('exits 1 without starting anything when the bus is not built', async () => {
    const code = await runDemo(options({ busEntry: '/nonexistent/dist/apps/bus/src/main.js' }));
    expect(code).toBe(1);
    expect(logged()).toContain('the bus is not built: /nonexistent/dist/apps/bus/src/main.js is missing (run npm run build)');
  });

  it('says once that the bus publishes no SOAP service yet and keeps sending web orders and batches', async () => {
    const code = await runDemo(options({ durationMs: 800 }));
    expect(code).toBe(0);
    expect(lines.filter((l) => l === 'legacy SOAP client: the bus publishes no /soap/orders yet')).toHaveLength(1);
    expect(logged()).toMatch(/^legacy B-000001 .* -> 202 Accepted/m);
    expect(logged()).not.toMatch(/^soap /m);
    expect(logged()).toMatch(/sent to the bus: web \d+ \(\d+ accepted\), legacy \d+ \(\d+ accepted\) \|/);
  });

  it('calls SubmitOrder on the service the bus publishes and prints Status and MessageId, or the Fault', async () => {
    const busEnv = {
      PATH: process.env.PATH,
      FAKE_BUS_MODE: 'soap',
      SOAP_MODULE: require.resolve('soap'),
      LEGACY_WSDL: join(ROUTES_WSDL_DIR, 'legacy-orders.wsdl'),
    };
    // Stopped once the third call was answered (it is refused on purpose), however long a loaded machine takes.
    const third = new AbortController();
    const log = (line: string) => {
      lines.push(line);
      if (/^soap {3}L-700003 /.test(line)) third.abort();
    };
    const code = await runDemo(options({ busEnv, durationMs: 60_000, signal: third.signal, log, erpCredentials: { username: 'erp', password: 'pw' } }));
    expect(code).toBe(0);
    const text = logged();
    expect(text).toMatch(/^soap {3}L-700001 C-\d{4} +\d+ items +[\d,.]+ EUR {2}-> ACCEPTED {2}msg soap-\d+$/m);
    expect(text).toMatch(/^soap {3}L-700003 .* -> Fault \(HTTP 500\): order L-700003 refused$/m);
    expect(text).toMatch(/, soap \d+ \(\d+ accepted, \d+ failed\) \| sandbox received/);
    expect(text).not.toContain('publishes no /soap/orders');
    expect(text).toMatch(/ERP SOAP \/erp\/soap with WS-Security user erp/);
  });

  describe('with the preferred ports taken', () => {
    const blockers: Server[] = [];
    const block = () =>
      new Promise<number>((resolve) => {
        const server = createServer();
        blockers.push(server);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
      });
    afterEach(async () => {
      await Promise.all(blockers.splice(0).map((s) => new Promise((r) => s.close(r))));
    });

    it('moves the sandbox and the bus to free ports', async () => {
      const sandboxPort = await block();
      const busPort = await block();
      const code = await runDemo(options({ sandboxPort, busPort, durationMs: 300 }));
      expect(code).toBe(0);
      expect(logged()).toContain(`port ${sandboxPort} is taken; the sandbox uses`);
      expect(logged()).toContain(`port ${busPort} is taken; the bus uses`);
    });
  });
});
