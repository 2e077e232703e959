import { createServer, type Server } from 'node:http';
import { freePort } from '@junction/testing';
import { TEST_AMQP_URL, uniqueName } from '../testing/brokers';
import { DemoBrokers } from './demo-brokers';
import { legacyBatch, seededRandom, webOrder } from './sample-orders';

describe('DemoBrokers', () => {
  let noAmqp: string;
  let noMqtt: string;
  beforeAll(async () => {
    noAmqp = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    noMqtt = `mqtt://127.0.0.1:${await freePort()}`;
  });

  it('runs nothing and tells the bus nothing when neither broker answers', async () => {
    const lines: string[] = [];
    const systems = await DemoBrokers.probe({ amqpUrl: noAmqp, mqttUrl: noMqtt, log: (l) => lines.push(l) });
    await systems.start();
    expect(systems.warehouse).toBeUndefined();
    expect(systems.devices).toBeUndefined();
    expect(systems.busEnv()).toEqual({});
    expect(lines).toEqual([expect.stringMatching(/^rabbitmq no broker at /), expect.stringMatching(/^mqtt {5}no broker at /)]);
    const order = webOrder(1, seededRandom(1));
    expect(systems.release(order, { status: 202 }, { busUrl: 'http://127.0.0.1:1', token: undefined, signal: new AbortController().signal })).toBeUndefined();
    expect(systems.summaryLines({ crmOrderEventsFrom: () => 0, crmCases: () => 0 })).toEqual([]);
    await systems.close();
  });

  describe('with the machine\'s RabbitMQ', () => {
    let bus: Server;
    let busUrl: string;
    const received: { path: string; body: string; priority?: string; authorization?: string }[] = [];
    let status = 202;
    beforeAll(async () => {
      // A stand-in for the bus's POST /orders/accepted.
      bus = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const priority = req.headers['x-priority'] as string | undefined;
          received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), priority, authorization: req.headers.authorization });
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(status < 300 ? '' : '{"title":"no route"}');
        });
      });
      await new Promise<void>((resolve) => bus.listen(0, '127.0.0.1', resolve));
      busUrl = `http://127.0.0.1:${(bus.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise((resolve) => bus.close(resolve)));

    it('releases valid web orders the bus accepted for picking, counts the answers, and logs the first failure once', async () => {
      const lines: string[] = [];
      const names = { pickExchange: uniqueName('demo-picks'), pickQueue: uniqueName('demo-picks'), eventExchange: uniqueName('demo-events') };
      // Not started: the warehouse only has to be there for the web shop to release orders.
      const systems = await DemoBrokers.probe({ amqpUrl: TEST_AMQP_URL, mqttUrl: noMqtt, warehouseNames: names, log: (l) => lines.push(l) });
      try {
        expect(systems.busEnv()).toEqual({ AMQP_URL: TEST_AMQP_URL });
        const context = { busUrl, token: 'tok3n', signal: new AbortController().signal };
        const random = seededRandom(2);
        const order = webOrder(1, random);
        const invalid = webOrder(15, random);
        expect(systems.release(invalid, { status: 202 }, context)).toBeUndefined();
        expect(systems.release(order, { status: 503, detail: 'down' }, context)).toBeUndefined();
        expect(systems.release(order, { error: 'ECONNRESET' }, context)).toBeUndefined();
        expect(systems.release(legacyBatch(1, random), { status: 202 }, context)).toBeUndefined();
        expect(received).toEqual([]);

        await systems.release(order, { status: 202 }, context);
        expect(received).toEqual([{ path: '/orders/accepted', body: order.body, priority: order.headers['x-priority'], authorization: 'Bearer tok3n' }]);
        status = 404;
        await systems.release(webOrder(2, random), { status: 202 }, context);
        await systems.release(webOrder(3, random), { status: 202 }, context);
        expect(lines.filter((l) => l.startsWith('web shop: releasing orders for picking failed: web    W-100002'))).toHaveLength(1);
        expect(lines.filter((l) => l.startsWith('web shop:'))).toHaveLength(1);
        const [warehouseLine] = systems.summaryLines({ crmOrderEventsFrom: (s) => (s === 'warehouse' ? 1 : 0), crmCases: () => 0 });
        expect(warehouseLine).toMatch(/^== warehouse \| released for picking: 3 \(1 accepted, 2 failed\) \| pick requests received: 0 \|.* CRM warehouse events: 1$/);
      } finally {
        status = 202;
        await systems.close();
      }
    });
  });
});
