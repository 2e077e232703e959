import { Message, type Body, type Headers, type Reply } from '@junction/core';
import type { CompiledRoute, CompiledTarget, Dispatch } from './compiled-route';
import { outgoingBody } from './outgoing-body';

/** What running a route's flow on one message produced. */
export interface RouteRun {
  readonly dispatches: readonly Dispatch[];
  /** A filter dropped the message (or one of its parts). */
  readonly filtered: boolean;
}

/**
 * Runs a route's flow on one message and collects its dispatches. `call` answers the inline calls of content
 * enrichers; it gets the message with the body already in the target's format, and the target's resolved address
 * when it has a template. Rejects as the flow does (a step failed, an enricher's target failed).
 */
export async function runRoute(
  route: CompiledRoute,
  message: Message,
  call: (target: CompiledTarget, message: Message, address?: string) => Promise<Reply>,
): Promise<RouteRun> {
  const dispatches: Dispatch[] = [];
  let filtered = false;
  await route.run(message, {
    dispatch: (d) => dispatches.push(d),
    filtered: () => {
      filtered = true;
    },
    call: (target, m, address) => call(target, m.withBody(outgoingBody(m.body, target, route.codec)), address),
  });
  return { dispatches, filtered };
}

/**
 * The message a sync route's reply steps run on: the reply of the target that answers the caller (`headers`, `body`),
 * under the request's identity, with the route variables of the copy that drew the reply (`sent`: `$vars`) and the
 * caller's request (`$request`, `$requestHeaders`).
 */
export function replyMessage(request: Message, sent: Message, headers: Headers, body: Body): Message {
  return new Message(request.id, request.correlationId, request.source, headers, body, Date.now(), undefined, undefined, {
    vars: sent.scope?.vars,
    request: { headers: request.headers, body: request.body },
  });
}
