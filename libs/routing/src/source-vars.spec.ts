import { HttpEgress } from '@junction/connectors';
import { Message, type EgressConnector, type EgressEndpoint, type Reply } from '@junction/core';
import { BytesBody, bodyFromBytes } from '@junction/transform';
import { compileRoute } from './route-compiler';
import { runRoute } from './run-route';
import { FlowRecorder, loadedRoute, SPEC_CONNECTORS } from './testing/route-fixtures';
import type { CompiledRoute } from './compiled-route';

/**
 * `$params` and `$query` in route expressions, and target addresses resolved per dispatch. Targets are real HTTP
 * endpoints (their URL templates compiled by the HTTP connector) whose sends are recorded instead of made.
 */
class RecordingHttpEgress implements EgressConnector {
  readonly kind = 'http';
  readonly sends: Array<{ address?: string }> = [];
  private readonly http = new HttpEgress();

  endpoint(config: unknown): EgressEndpoint {
    const real = this.http.endpoint(config as Parameters<HttpEgress['endpoint']>[0]);
    return {
      ...real,
      send: async (_message, _signal, address): Promise<Reply> => {
        this.sends.push({ address });
        return { status: 200, headers: {}, body: new BytesBody(Buffer.from('{"tier":"gold"}'), 'application/json') };
      },
    };
  }

  async close(): Promise<void> {}
}

function compile(raw: Record<string, unknown>): { route: CompiledRoute; egress: RecordingHttpEgress } {
  const egress = new RecordingHttpEgress();
  const result = compileRoute(loadedRoute(raw), { connectors: SPEC_CONNECTORS, egress: new Map([['http', egress]]) });
  if (!result.ok) throw new Error(`route did not compile: ${JSON.stringify(result.problems)}`);
  return { route: result.route, egress };
}

function request(route: CompiledRoute, body: unknown, source: Partial<Message['source']> = {}): Message {
  return new Message(
    'm-1',
    'c-1',
    { kind: 'http', address: '/customers/42?page=2', params: { id: '42' }, query: { page: '2', tag: ['a', 'b'] }, ...source },
    {},
    bodyFromBytes(Buffer.from(JSON.stringify(body)), 'application/json', route.codec),
    0,
  );
}

const crm = (url: string, extra: Record<string, unknown> = {}) => ({ id: 'crm', http: { url: `http://crm.invalid${url}`, method: 'GET' }, ...extra });

describe('$params and $query in route expressions', () => {
  it('are bound in filter, choice, map, setHeaders and the business key', async () => {
    const { route } = compile({
      businessKey: '$params.id & "/" & $query.page',
      steps: [
        { filter: '$params.id = "42"' },
        { choice: { when: [{ if: '$query.page = "2"', steps: [{ setHeaders: { 'x-page': { expr: '$query.page' } } }] }] } },
        { setHeaders: { 'x-tags': { expr: '$join($query.tag, ",")' } } },
        { map: '{ "customer": $params.id, "name": name }' },
      ],
      to: [crm('/c')],
    });
    const message = request(route, { name: 'Ada' });
    await expect(route.businessKey(message)).resolves.toBe('42/2');
    const flow = new FlowRecorder(route.codec);
    await route.run(message, flow);
    expect(flow.seen()).toEqual([
      { target: 'crm', wireTap: false, body: { customer: '42', name: 'Ada' }, headers: { 'x-page': '2', 'x-tags': 'a,b' } },
    ]);
  });

  it('are empty objects for a source that gives none', async () => {
    const { route } = compile({ steps: [{ map: '{ "p": $count($keys($params)), "q": $count($keys($query)) }' }], to: [crm('/c')] });
    const flow = new FlowRecorder(route.codec);
    await route.run(request(route, {}, { params: undefined, query: undefined }), flow);
    expect(flow.seen()[0].body).toEqual({ p: 0, q: 0 });
  });
});

describe('target addresses', () => {
  it('are resolved on the target copy at dispatch and travel with it', async () => {
    const { route } = compile({
      to: [
        crm('/customers/{$params.id}/orders?page={$query.page}&region={$headers.\'x-region\'}', {
          steps: [{ setHeaders: { 'x-region': 'eu west' } }],
        }),
        { id: 'fixed', http: { url: 'http://erp.invalid/orders' } },
      ],
    });
    const flow = new FlowRecorder(route.codec);
    await route.run(request(route, {}), flow);
    expect(flow.dispatches.map((d) => [d.target.id, d.address])).toEqual([
      ['crm', '/customers/42/orders?page=2&region=eu%20west'],
      ['fixed', undefined],
    ]);
  });

  it('reach an enricher\'s call', async () => {
    const { route, egress } = compile({
      steps: [{ enrich: { target: crm('/customers/{customer.id}'), into: 'profile' } }],
      to: [{ id: 'out', http: { url: 'http://out.invalid/x' } }],
    });
    const run = await runRoute(route, request(route, { customer: { id: 'a/b' } }), (target, m, address) =>
      target.endpoint.send(m, undefined, address),
    );
    expect(egress.sends.map((s) => s.address)).toEqual(['/customers/a%2Fb']);
    expect(run.dispatches[0].message.body.value()).toEqual({ customer: { id: 'a/b' }, profile: { tier: 'gold' } });
  });

  it('name their target by host and path as written, and leave a passthrough unparsed unless they read the body', () => {
    const byParams = compile({ to: [crm('/customers/{$params.id}?page={$query.page}')] }).route;
    expect([...byParams.targets.keys()]).toEqual(['crm']);
    expect(byParams.readsBody).toBe(false);
    const unnamed = compile({ to: [{ http: { url: 'http://crm.invalid:8080/customers/{customer.id}/orders?x={y}' } }] }).route;
    const [t] = unnamed.targets.values();
    expect(t.id).toBe('http:crm.invalid:8080/customers/{customer.id}/orders');
    expect(t.description).toBe('POST http://crm.invalid:8080/customers/{customer.id}/orders');
    expect(unnamed.readsBody).toBe(true);
    const literal = compile({ to: [{ http: { url: 'http://crm.invalid/a b/c?x=1' } }] }).route;
    expect([...literal.targets.keys()]).toEqual(['http:crm.invalid/a%20b/c']);
  });
});
