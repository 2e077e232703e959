import { ThrottledError, type Incoming } from '@junction/core';
import type { CompiledRoute } from '@junction/routing';
import type { Store } from '@junction/store';
import { NOOP_OBSERVER, type BusObserver } from '@junction/telemetry';
import { Exchange } from './exchange';
import type { RouteTable } from './route-table';

/** Refusals the exchange makes before it makes a message: counted as refused requests, not as refused messages. */
describe('Exchange: refusals before a message', () => {
  const incoming = {} as Incoming;

  function exchangeWith(route: Partial<CompiledRoute> | undefined) {
    const counted: string[] = [];
    const observer: BusObserver = {
      ...NOOP_OBSERVER,
      refusedRequest: (routeId, error) => counted.push(`request ${routeId} ${error.code}`),
      rejected: (routeId, _m, error) => counted.push(`message ${routeId} ${error.code}`),
      received: (routeId) => counted.push(`received ${routeId}`),
    };
    const routes = { get: () => route as CompiledRoute | undefined } as unknown as RouteTable;
    // The store is never reached: both refusals come before a message exists.
    const exchange = new Exchange(routes, {} as Store, { syncTimeoutMs: 1000, wake: () => undefined, observer });
    return { exchange, counted };
  }

  test('a route that is not loaded (a reload under way): 404 NO_ROUTE, counted once', async () => {
    const { exchange, counted } = exchangeWith(undefined);
    await expect(exchange.dispatch('orders', incoming)).rejects.toMatchObject({ code: 'NO_ROUTE', status: 404 });
    expect(counted).toEqual(['request orders NO_ROUTE']);
  });

  test('a sync route over its throttle: 429 THROTTLED at once, counted once, nothing received', async () => {
    const { exchange, counted } = exchangeWith({ id: 'orders', mode: 'sync', throttle: { perSecond: 1, burst: 1 } });
    // The first takes the one token of the burst and goes on to the route (which this stub cannot run); the second is
    // refused by the throttle.
    await exchange.dispatch('orders', incoming).catch(() => undefined);
    counted.length = 0;
    const refused = exchange.dispatch('orders', incoming);
    await expect(refused).rejects.toBeInstanceOf(ThrottledError);
    expect(counted).toEqual(['request orders THROTTLED']);
  });
});
