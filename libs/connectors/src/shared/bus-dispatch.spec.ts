import { BusyError, type Ack, type Incoming, type MessageSink } from '@junction/core';
import { createXmlCodec, createXmlWorkers } from '@junction/transform';
import { dispatchUntilTaken } from './bus-dispatch';

/**
 * A broker consumer's message waits for a parse worker, where an HTTP caller is refused: one real worker with no
 * backlog, and a sink that reads the body as the exchange does (on the codec's workers, as the message asks).
 */
describe('dispatchUntilTaken and busy parse workers', () => {
  const workers = createXmlWorkers({ size: 1, threshold: 1024, backlog: 0, heapMb: 256 });
  const codec = createXmlCodec({}, workers);
  const calls: Array<Incoming['whenBusy']> = [];
  const sink: MessageSink = {
    async dispatch(_routeId: string, incoming: Incoming): Promise<Ack> {
      calls.push(incoming.whenBusy);
      await codec.parseAsync(incoming.body, { whenBusy: incoming.whenBusy ?? 'refuse' });
      return { kind: 'accepted', messageId: `m${calls.length}` };
    },
  };
  const incoming = (items: number): Incoming => ({
    source: { kind: 'amqp', address: 'orders' },
    headers: {},
    contentType: 'application/xml',
    body: Buffer.from(`<orders>${'<order><sku>S-1</sku><qty>2</qty></order>'.repeat(items)}</orders>`),
  });

  afterAll(() => workers.close());
  beforeEach(() => (calls.length = 0));

  it('waits for the worker (taken at the first dispatch) while a caller who would rather not wait is refused', async () => {
    // The worker is taken by a large document (it answers in a later turn of the event loop, whatever its size); with
    // no backlog, the next caller that refuses to wait is turned away.
    const first = codec.parseAsync(incoming(20_000).body, { whenBusy: 'refuse' });
    await expect(sink.dispatch('r1', incoming(100))).rejects.toBeInstanceOf(BusyError);
    const consumed = dispatchUntilTaken(sink, 'r1', incoming(100), () => false);
    await expect(consumed).resolves.toEqual({ taken: true });
    await first;
    expect(calls).toEqual([undefined, 'wait']);
  });

  it('hands the bus the message as received, with only whenBusy added', async () => {
    const message = incoming(100);
    await dispatchUntilTaken(sink, 'r1', message, () => false);
    expect(calls).toEqual(['wait']);
    expect(message.whenBusy).toBeUndefined();
  });
});
