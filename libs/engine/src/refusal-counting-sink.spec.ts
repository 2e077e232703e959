import { BusError, BusyError, InputError, ThrottledError, type Incoming, type MessageSink } from '@junction/core';
import { refusalCountingSink } from './refusal-counting-sink';

const incoming = {} as Incoming;

/** An exchange that refuses with `error`, or accepts when there is none. */
function exchangeRefusing(error?: BusError): MessageSink {
  return { dispatch: async () => (error ? Promise.reject(error) : { kind: 'accepted', messageId: 'm-1' }) };
}

function counting(error?: BusError) {
  const counted: string[] = [];
  const sink = refusalCountingSink(exchangeRefusing(error), { refusedRequest: (route, e) => counted.push(`${route} ${e.code}`) });
  return { sink, counted };
}

describe('refusalCountingSink', () => {
  test.each([
    ['over its throttle', new ThrottledError('over its rate', 500), 'orders THROTTLED'],
    ['not loaded', new InputError('NO_ROUTE', 'route orders is not loaded', 404), 'orders NO_ROUTE'],
  ])('counts a refusal the exchange makes before a message: %s, and passes it on', async (_name, error, line) => {
    const { sink, counted } = counting(error);
    await expect(sink.dispatch('orders', incoming)).rejects.toBe(error);
    expect(counted).toEqual([line]);
  });

  test.each([
    ['a message refused (counted by the exchange)', new InputError('BODY_INVALID', 'not JSON')],
    ['a full parse backlog (counted by the exchange)', new BusyError('WORKERS_BUSY', 'busy', 1000)],
  ])('leaves the rest to the exchange: %s', async (_name, error) => {
    const { sink, counted } = counting(error);
    await expect(sink.dispatch('orders', incoming)).rejects.toBe(error);
    expect(counted).toEqual([]);
  });

  test('an accepted message is passed through, uncounted', async () => {
    const { sink, counted } = counting();
    await expect(sink.dispatch('orders', incoming)).resolves.toEqual({ kind: 'accepted', messageId: 'm-1' });
    expect(counted).toEqual([]);
  });
});
