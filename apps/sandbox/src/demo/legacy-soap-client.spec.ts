import { createServer } from 'node:net';
import { startLegacySoapStandIn, type LegacySoapStandIn } from '../testing/legacy-soap-stand-in';
import { LegacySoapClient } from './legacy-soap-client';
import { legacySoapOrder, seededRandom, type SoapOrderRequest } from './sample-orders';

const now = new Date('2025-03-01T10:00:00.000Z');
const withOrder = (request: SoapOrderRequest, changes: Partial<SoapOrderRequest['args']['Order']>): SoapOrderRequest => ({
  ...request,
  args: { Order: { ...request.args.Order, ...changes } },
});

describe('the legacy SOAP client of the demo', () => {
  const standIns: LegacySoapStandIn[] = [];
  const standIn = async (options: { publish?: boolean } = {}) => {
    const s = await startLegacySoapStandIn(options);
    standIns.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(standIns.splice(0).map((s) => s.close()));
  });

  it('builds its client from the published WSDL once and calls SubmitOrder: Status and MessageId', async () => {
    const bus = await standIn();
    const client = new LegacySoapClient({ busUrl: bus.url, timeoutMs: 5_000 });
    expect(await client.connect()).toEqual({ ok: true });
    const request = legacySoapOrder(1, seededRandom(1), now);
    expect(await client.submitOrder(request)).toEqual({ kind: 'response', status: 'ACCEPTED', messageId: 'm-1' });
    expect(await client.connect()).toEqual({ ok: true });
    expect(await client.submitOrder(legacySoapOrder(2, seededRandom(2), now))).toEqual({ kind: 'response', status: 'ACCEPTED', messageId: 'm-2' });
    // Once to look, once for node-soap; not again for the second call.
    expect(bus.wsdlRequests).toHaveLength(2);
    const [call] = bus.calls;
    expect(call.headers.soapaction).toBe('"urn:legacy:orders/SubmitOrder"');
    expect(call.headers['content-type']).toContain('text/xml');
    const order = request.args.Order;
    expect(call.args).toEqual({
      Order: {
        OrderNo: 'L-700001',
        CustNo: order.CustNo,
        CustName: order.CustName,
        OrderDate: new Date('2025-03-01'),
        Currency: 'EUR',
        Lines: { Line: order.Lines.Line.map((l) => ({ Sku: l.Sku, Qty: String(l.Qty), Price: l.Price })) },
        Total: order.Total,
      },
    });
  });

  it("reports a Fault's reason with its HTTP status", async () => {
    const bus = await standIn();
    const client = new LegacySoapClient({ busUrl: bus.url, timeoutMs: 5_000 });
    await client.connect();
    const outcome = await client.submitOrder(withOrder(legacySoapOrder(3, seededRandom(3), now), { OrderNo: 'L-FAULT-1' }));
    expect(outcome).toEqual({ kind: 'fault', reason: 'order L-FAULT-1 is not valid', httpStatus: 500 });
  });

  it('reports a REJECTED response as it is, without a MessageId', async () => {
    const bus = await standIn();
    const client = new LegacySoapClient({ busUrl: bus.url, timeoutMs: 5_000 });
    await client.connect();
    expect(await client.submitOrder(withOrder(legacySoapOrder(4, seededRandom(4), now), { Total: '0.00' }))).toEqual({
      kind: 'response',
      status: 'REJECTED',
    });
  });

  it('says the service is not published while the WSDL answers 404, and connects once it is', async () => {
    const bus = await standIn({ publish: false });
    const client = new LegacySoapClient({ busUrl: bus.url, timeoutMs: 5_000 });
    expect(await client.connect()).toEqual({ ok: false, published: false });
    expect(await client.connect()).toEqual({ ok: false, published: false });
    expect(bus.calls).toEqual([]);
    bus.publish();
    expect(await client.connect()).toEqual({ ok: true });
    expect((await client.submitOrder(legacySoapOrder(5, seededRandom(5), now))).kind).toBe('response');
  });

  it('gives the reason when the bus cannot be reached', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const client = new LegacySoapClient({ busUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    expect(await client.connect()).toEqual({ ok: false, published: true, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('sends the ingress token with the WSDL request and the calls', async () => {
    const bus = await standIn();
    const client = new LegacySoapClient({ busUrl: bus.url, timeoutMs: 5_000, token: 'tok3n' });
    await client.connect();
    await client.submitOrder(legacySoapOrder(6, seededRandom(6), now));
    expect(bus.wsdlRequests.map((h) => h.authorization)).toEqual(['Bearer tok3n', 'Bearer tok3n']);
    expect(bus.calls[0].headers.authorization).toBe('Bearer tok3n');
  });
});
