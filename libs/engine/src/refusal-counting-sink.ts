import { BusError, ThrottledError, type Ack, type Incoming, type MessageSink } from '@junction/core';
import type { BusObserver } from '@junction/telemetry';

/**
 * The exchange as the ingresses reach it, with the refusals it makes before it makes a message counted: a route over
 * its throttle (THROTTLED, 429) and a route not loaded (NO_ROUTE, a reload under way). The exchange counts every
 * refusal of a message it made (`observer.rejected`); these come before any, so none is counted twice. The listener
 * and the ingresses count theirs (refusals from headers, unreadable bodies) the same way.
 */
export function refusalCountingSink(exchange: MessageSink, observer: Pick<BusObserver, 'refusedRequest'>): MessageSink {
  const counted = (routeId: string, err: unknown): never => {
    if (err instanceof ThrottledError || (err instanceof BusError && err.code === 'NO_ROUTE')) observer.refusedRequest(routeId, err);
    throw err;
  };
  return {
    dispatch: (routeId: string, incoming: Incoming): Promise<Ack> => exchange.dispatch(routeId, incoming).catch((err: unknown) => counted(routeId, err)),
  };
}
