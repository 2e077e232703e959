import { Message, StepError, type Body, type Headers, type Reply } from '@junction/core';
import type { CompiledRoute, CompiledTarget, Dispatch } from './compiled-route';
import { outgoingBody } from './outgoing-body';
import type { HeldMessage } from './steps/aggregate.step';

/** What running a route's flow on one message produced. */
export interface RouteRun {
  readonly dispatches: readonly Dispatch[];
  /** A filter dropped the message (or one of its parts). */
  readonly filtered: boolean;
  /** What aggregate steps hold (the message or its parts); empty for most routes. */
  readonly held: readonly HeldMessage[];
}

/**
 * Runs a route's flow on one message and collects its dispatches. `call` answers the inline calls of content
 * enrichers; it gets the message with the body already in the target's format, and the target's resolved address
 * when it has a template. `from`: the place of the aggregate step an aggregate message resumes after. Rejects as the
 * flow does (a step failed, an enricher's target failed).
 */
export async function runRoute(
  route: CompiledRoute,
  message: Message,
  call: (target: CompiledTarget, message: Message, address?: string) => Promise<Reply>,
  from?: string,
): Promise<RouteRun> {
  const dispatches: Dispatch[] = [];
  const held: HeldMessage[] = [];
  let filtered = false;
  // An aggregate resumes the flow after its aggregate step.
  const run = from === undefined ? route.run : route.aggregators.get(from)?.resume;
  if (!run) throw new StepError('aggregate', `the route has no aggregate step at ${from} any more`);
  await run(message, {
    dispatch: (d) => dispatches.push(d),
    filtered: () => {
      filtered = true;
    },
    call: (target, m, address) => call(target, m.withBody(outgoingBody(m.body, target, route.codec)), address),
    ...(route.mode === 'async' && { hold: (h: HeldMessage) => held.push(h) }),
  });
  return { dispatches, filtered, held };
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
