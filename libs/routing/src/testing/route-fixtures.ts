/**
 * Helpers for the routing specs: routes built from plain objects (validated by the route schema, so defaults apply),
 * compiled against capture egresses, and run through a FlowContext that records what the flow did. Not part of the
 * build (`**\/testing/**` is excluded from tsconfig.build.json).
 */
import { routeSchemas, type LoadedRoute } from '@junction/config';
import { SPEC_CONNECTORS } from '../../../connectors/src/testing/spec-connectors';
import { contentTypeOf, Message, type Headers, type Reply } from '@junction/core';
import { bodyFromBytes, type XmlCodec } from '@junction/transform';
import type { CompiledRoute, CompiledTarget, Dispatch, FlowContext } from '../compiled-route';
import { outgoingBody } from '../outgoing-body';
import { compileRoute, type CompileResult } from '../route-compiler';
import { CaptureEgress } from '../route-tests/capture.egress';

export { SPEC_CONNECTORS };

/** One capture egress per target kind, as `junction test` uses. */
export function captureRegistry(): Map<string, CaptureEgress> {
  return new Map(SPEC_CONNECTORS.map((c) => [c.kind, new CaptureEgress(c.kind)]));
}

/**
 * A LoadedRoute from a plain object. `id` and `from` may be left out (a fixed id and a unique path are filled in);
 * the object then goes through the route schema, so it must be valid as a route file entry would be.
 */
export function loadedRoute(raw: Record<string, unknown>, baseDir = process.cwd()): LoadedRoute {
  const written = { id: 'r', from: { http: { path: '/r' } }, ...raw };
  return {
    def: routeSchemas(SPEC_CONNECTORS).route.parse(written),
    file: 'inline.yaml',
    baseDir,
    index: 0,
    display: written,
    lineOf: () => 0,
  };
}

/** Compiles `raw` and returns the problems (empty when it compiled). */
export function compileProblems(raw: Record<string, unknown>, baseDir?: string): CompileResult {
  return compileRoute(loadedRoute(raw, baseDir), { connectors: SPEC_CONNECTORS, egress: captureRegistry() });
}

/** A compiled route whose capture endpoints know their target ids, and the captures themselves. */
export interface CompiledFixture {
  readonly route: CompiledRoute;
  readonly captures: Map<string, CaptureEgress>;
}

/** Compiles `raw`; fails the test with the problems when it does not compile. */
export function compileFixture(raw: Record<string, unknown>, baseDir?: string): CompiledFixture {
  const captures = captureRegistry();
  const result = compileRoute(loadedRoute(raw, baseDir), { connectors: SPEC_CONNECTORS, egress: captures });
  if (!result.ok) throw new Error(`route did not compile: ${JSON.stringify(result.problems)}`);
  for (const t of result.route.targets.values()) captures.get(t.kind)?.name(t.endpoint, t.id);
  return { route: result.route, captures };
}

/** A message with a JSON body (any non-string value) or an XML/text body (a string), parsed by `codec`. */
export function inputMessage(body: unknown, codec: XmlCodec, headers: Headers = {}, contentType?: string): Message {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const ct = contentType ?? (typeof body !== 'string' ? contentTypeOf('json') : body.trimStart().startsWith('<') ? contentTypeOf('xml') : contentTypeOf('text'));
  return new Message('m-1', 'c-1', { kind: 'test', address: '/r' }, headers, bodyFromBytes(Buffer.from(text), ct, codec), 0);
}

/** A dispatch as specs compare it. */
export interface SeenDispatch {
  readonly target: string;
  readonly wireTap: boolean;
  readonly body: unknown;
  readonly headers: Headers;
  readonly part?: { readonly index: number; readonly of: number };
}

/**
 * A FlowContext that records dispatches, filtered messages and inline calls. Calls go to the target's endpoint with
 * the body in the target's format, as the bus does; with capture egresses they answer the canned replies.
 */
export class FlowRecorder implements FlowContext {
  readonly dispatches: Dispatch[] = [];
  readonly filteredMessages: Message[] = [];
  readonly calls: Array<{ target: CompiledTarget; message: Message }> = [];

  constructor(private readonly codec: XmlCodec) {}

  dispatch(d: Dispatch): void {
    this.dispatches.push(d);
  }

  filtered(message: Message): void {
    this.filteredMessages.push(message);
  }

  call(target: CompiledTarget, message: Message): Promise<Reply> {
    this.calls.push({ target, message });
    return target.endpoint.send(message.withBody(outgoingBody(message.body, target, this.codec)));
  }

  /** The dispatches with the target id and the body's JSON form. */
  seen(): SeenDispatch[] {
    return this.dispatches.map((d) => ({
      target: d.target.id,
      wireTap: d.wireTap,
      body: d.message.body.value(),
      headers: { ...d.message.headers },
      ...(d.message.part ? { part: { index: d.message.part.index, of: d.message.part.of } } : {}),
    }));
  }
}

/** Runs `body` through a compiled route and returns the recorder. Rejects as the flow does. */
export async function runFlow(fixture: CompiledFixture, body: unknown, headers: Headers = {}): Promise<FlowRecorder> {
  const flow = new FlowRecorder(fixture.route.codec);
  await fixture.route.run(inputMessage(body, fixture.route.codec, headers), flow);
  return flow;
}

/** An http target definition with an id, pointing nowhere the test could reach. */
export function target(id: string, extra: Record<string, unknown> = {}, http: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, http: { url: `http://${id}.invalid/in`, ...http }, ...extra };
}
