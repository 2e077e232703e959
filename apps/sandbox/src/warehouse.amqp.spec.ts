import { freePort, waitUntil } from '@junction/testing';
import { amqpTestClient, BROKER_WAIT_MS, TEST_AMQP_URL, uniqueName, waitForCount, type AmqpTestClient } from './testing/brokers';
import { AmqpWarehouse, type WarehouseAmqpOptions, type WarehouseNames } from './warehouse.amqp';
import { WarehouseStock } from './warehouse.stock';

/** The warehouse against the machine's RabbitMQ (or AMQP_URL), each test with exchanges and a queue of its own. */
describe('AmqpWarehouse on RabbitMQ', () => {
  let amqp: AmqpTestClient;
  const running: { warehouse: AmqpWarehouse; names: WarehouseNames }[] = [];

  beforeAll(async () => {
    amqp = await amqpTestClient();
  });
  afterEach(async () => {
    for (const { warehouse, names } of running.splice(0)) {
      await warehouse.close();
      await amqp.remove({ queues: [names.pickQueue], exchanges: [names.pickExchange, names.eventExchange] });
    }
  });
  afterAll(() => amqp?.close());

  /** A started warehouse with names of its own, ready (it declared everything), and the lines it logged. */
  const startWarehouse = async (options: Partial<WarehouseAmqpOptions> = {}) => {
    const names: WarehouseNames = { pickExchange: uniqueName('wh-picks'), pickQueue: uniqueName('wh-picks'), eventExchange: uniqueName('wh-events') };
    const lines: string[] = [];
    const warehouse = new AmqpWarehouse({ url: TEST_AMQP_URL, names, log: (l) => lines.push(l), ...options });
    running.push({ warehouse, names });
    warehouse.start();
    expect(await warehouse.whenReady(BROKER_WAIT_MS)).toBe(true);
    return { warehouse, names, lines };
  };
  const pick = (orderId: string, country = 'DE', lines = [{ sku: 'SKU-DESK-01', qty: 1 }]) => ({ orderId, country, lines });
  const settled = (warehouse: AmqpWarehouse, what: string, done: (c: ReturnType<AmqpWarehouse['counts']>) => boolean) =>
    waitUntil(() => done(warehouse.counts()), BROKER_WAIT_MS, what);

  it('takes a pick request from its queue and publishes the shipment, persistent JSON, under shipment.dispatched.<country>', async () => {
    const { warehouse, names, lines } = await startWarehouse();
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^warehouse: connected to RabbitMQ at amqp://guest:\\*\\*\\*@.* taking pick requests from ${names.pickQueue} \\(${names.pickExchange}, pick\\.\\*\\), publishing events to ${names.eventExchange}$`))]);
    const events = await amqp.collect(names.eventExchange, '#');
    amqp.publish(names.pickExchange, 'pick.fr', { ...pick('W-100001', 'FR'), priority: 'high', shipTo: { city: 'Lyon' } });
    await waitForCount(events, 1, 'warehouse events');
    const [event] = events;
    expect(event.routingKey).toBe('shipment.dispatched.fr');
    expect(event.properties).toMatchObject({ contentType: 'application/json', deliveryMode: 2, type: 'ShipmentDispatched', messageId: 'W-100001:ShipmentDispatched' });
    expect(JSON.parse(event.body)).toMatchObject({ event: 'ShipmentDispatched', orderId: 'W-100001', country: 'FR', carrier: 'Colissimo', lines: [{ sku: 'SKU-DESK-01', qty: 1 }] });
    await settled(warehouse, 'the shipment counted', (c) => c.shipped === 1);
    expect(warehouse.counts()).toEqual({ picksReceived: 1, picksRefused: 0, shipped: 1, short: 0, unroutable: 0, publishFailed: 0 });
    expect(warehouse.received()).toEqual([{ orderId: 'W-100001', country: 'FR', priority: 'high', lines: [{ sku: 'SKU-DESK-01', qty: 1 }] }]);
    // Acknowledged: once the warehouse is gone, nothing comes back to its queue.
    await warehouse.close();
    expect(await amqp.queueInfo(names.pickQueue)).toEqual({ messageCount: 0, consumerCount: 0 });
  });

  it('publishes StockShort under stock.short.<country> when its stock does not cover a request', async () => {
    const { warehouse, names } = await startWarehouse({ stock: new WarehouseStock(1) });
    const events = await amqp.collect(names.eventExchange, 'stock.#');
    amqp.publish(names.pickExchange, 'pick.nl', pick('W-100002', 'NL', [{ sku: 'SKU-MON-27', qty: 3 }]));
    await waitForCount(events, 1, 'stock events');
    expect(events[0].routingKey).toBe('stock.short.nl');
    expect(JSON.parse(events[0].body)).toMatchObject({ event: 'StockShort', orderId: 'W-100002', missing: [{ sku: 'SKU-MON-27', requested: 3, onHand: 1 }] });
    await settled(warehouse, 'the shortage counted', (c) => c.short === 1);
  });

  it('refuses a message that is no pick request, does not requeue it, and takes the next one', async () => {
    const { warehouse, names, lines } = await startWarehouse();
    const events = await amqp.collect(names.eventExchange, '#');
    amqp.publish(names.pickExchange, 'pick.de', '{"orderId":');
    amqp.publish(names.pickExchange, 'pick.de', pick('W-100003'));
    await waitForCount(events, 1, 'warehouse events');
    await settled(warehouse, 'both messages handled', (c) => c.picksRefused === 1 && c.shipped === 1);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^warehouse: refused a message on ${names.pickQueue}: not JSON`)));
    await warehouse.close();
    expect(await amqp.queueInfo(names.pickQueue)).toEqual({ messageCount: 0, consumerCount: 0 });
  });

  it('counts an event no queue is bound to take as unroutable, and still acknowledges the request', async () => {
    const { warehouse, names } = await startWarehouse();
    amqp.publish(names.pickExchange, 'pick.pt', pick('W-100004', 'PT'));
    await settled(warehouse, 'the event returned', (c) => c.shipped === 1 && c.unroutable === 1);
    await warehouse.close();
    expect(await amqp.queueInfo(names.pickQueue)).toEqual({ messageCount: 0, consumerCount: 0 });
  });

  it('declares its queue again and goes on when the queue is deleted under it, saying so once', async () => {
    const { warehouse, names, lines } = await startWarehouse({ reconnectDelayMs: 50 });
    await amqp.remove({ queues: [names.pickQueue] });
    // Back when the queue exists again with a consumer on it.
    await waitUntil(
      async () => (await amqp.queueInfo(names.pickQueue))?.consumerCount === 1,
      BROKER_WAIT_MS,
      'the pick queue declared again and consumed',
      100,
    );
    const events = await amqp.collect(names.eventExchange, '#');
    amqp.publish(names.pickExchange, 'pick.gb', pick('W-100005', 'GB'));
    await waitForCount(events, 1, 'warehouse events');
    expect(JSON.parse(events[0].body)).toMatchObject({ orderId: 'W-100005', carrier: 'Royal Mail' });
    expect(warehouse.counts().shipped).toBe(1);
    expect(lines.filter((l) => l.startsWith('warehouse: connected'))).toHaveLength(2);
    expect(lines.filter((l) => /^warehouse: (lost|RabbitMQ closed)/.test(l))).toHaveLength(1);
  });

  it('says once that RabbitMQ is absent, keeps trying without throwing, and closes', async () => {
    const lines: string[] = [];
    const url = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    const warehouse = new AmqpWarehouse({ url, log: (l) => lines.push(l), reconnectDelayMs: 20 });
    warehouse.start();
    await waitUntil(() => lines.length > 0, BROKER_WAIT_MS, 'a line about the absent broker');
    // Time for many more attempts at 20 ms, each failing alike.
    expect(await warehouse.whenReady(1_000)).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/^warehouse: cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ \(.*ECONNREFUSED.*\); trying again in the background$/)]);
    await warehouse.close();
    expect(warehouse.counts()).toEqual({ picksReceived: 0, picksRefused: 0, shipped: 0, short: 0, unroutable: 0, publishFailed: 0 });
  });

  it('closes without having started, and twice', async () => {
    const warehouse = new AmqpWarehouse({ url: TEST_AMQP_URL, log: () => undefined });
    await warehouse.close();
    await warehouse.close();
    expect(await warehouse.whenReady(10)).toBe(false);
  });
});
