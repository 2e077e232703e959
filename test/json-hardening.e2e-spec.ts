import { InputError } from '@junction/core';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * JSON that the bus must refuse at ingress although JSON.parse takes it: nesting deeper than JSON_MAX_DEPTH (which
 * used to be accepted, then overflowed the stack in the outbox) and a key given twice in one object (the route read
 * the last value, a target keeping the first read another). Refused with a 400 naming the limit or the key and the
 * place, before acceptance, on routes that read the body and on passthrough routes alike; nothing reaches a target.
 */
const ROUTES = `
routes:
  - id: json-map
    from: { http: { path: /json/map } }
    mode: async
    steps:
      - map: '{ "received": $count($keys($)), "body": $ }'
    to: [{ id: map-sink, http: { url: "\${TARGET_URL}/map-sink" } }]

  - id: json-choice
    from: { http: { path: /json/choice } }
    mode: async
    steps:
      - choice:
          when:
            - if: "role = 'admin'"
              to: [{ id: admin, http: { url: "\${TARGET_URL}/admin" } }]
          otherwise:
            to: [{ id: user, http: { url: "\${TARGET_URL}/user" } }]

  - id: json-sync
    from: { http: { path: /json/sync } }
    mode: sync
    steps:
      - map: '{ "echo": $ }'
    to: [{ id: sync-echo, http: { url: "\${TARGET_URL}/sync-echo" } }]

  - id: json-pass
    from: { http: { path: /json/pass } }
    mode: async
    to: [{ id: pass-sink, http: { url: "\${TARGET_URL}/pass-sink" } }]

  - id: json-to-json
    from: { http: { path: /json/to-json } }
    mode: async
    to: [{ id: json-sink, http: { url: "\${TARGET_URL}/json-sink", format: json } }]
`;

const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

describe('JSON nesting limit and duplicate keys at ingress', () => {
  let target: TargetServer;
  let bus: TestBus;
  // Per case: the answer, and how many requests carrying the message's id reached the target.
  const figures: string[] = [];

  beforeAll(async () => {
    target = await startTargetServer();
    bus = await startTestBus({ routes: { 'json.yaml': ROUTES }, env: { TARGET_URL: target.url } });
  });
  afterAll(async () => {
    // The figures asked for in the hardening issue, for the record of the run.
    console.log(`JSON hardening at ingress:\n${figures.join('\n')}`);
    await bus?.destroy();
    await target?.close();
  });

  const send = (path: string, body: string) => post(`${bus.url}${path}`, body, { 'content-type': 'application/json' });
  const journal = (id: string) => getJson(`${bus.url}/admin/messages/${id}`);
  const reached = (messageId: string) => target.requests.filter((r) => r.headers['x-message-id'] === messageId).length;
  const record = (name: string, status: number, code: string, messageId: string) =>
    figures.push(`  ${name}: ${status} ${code}, ${reached(messageId)} request(s) at the target`);
  const recordReply = (name: string, res: { status: number; json: any }) =>
    record(name, res.status, res.json?.code ?? res.json?.status ?? '', res.json?.messageId ?? '');

  /** Whatever the bus would still deliver has been delivered by then: the outbox polls every 20 ms in these tests. */
  const quiet = () => new Promise((done) => setTimeout(done, 1500));

  test('the 5,000-deep body of the attack gets 400 at ingress on an async route with a map step; nothing is stored for delivery', async () => {
    const body = nested(5000);
    expect(body.length).toBeGreaterThan(29_000);
    const res = await send('/json/map', body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json).toMatchObject({ status: 400, code: 'JSON_LIMIT', messageId: expect.any(String) });
    expect(res.json.detail).toBe('JSON limit maxDepth (100) exceeded: arrays and objects are nested deeper (line 1, column 501)');
    // Refused input is journaled as dead with its reason, like any malformed body: no delivery is waiting for it.
    const refused = await journal(res.json.messageId);
    expect(refused).toMatchObject({ status: 'dead', routeId: 'json-map', deliveries: [] });
    expect(await getJson(`${bus.url}/admin/messages?route=json-map&status=pending`)).toEqual([]);
    await quiet();
    recordReply('5,000 deep, async route with a map step', res);
    expect(target.count('/map-sink')).toBe(0);
  });

  test('a body nested exactly to the limit passes and is delivered mapped', async () => {
    const res = await send('/json/map', nested(100));
    expect(res.status).toBe(202);
    const [delivered] = await target.waitFor(1, 15_000, '/map-sink');
    recordReply('100 deep (the limit), async route with a map step', res);
    expect(delivered.json).toMatchObject({ received: 1 });
    expect(JSON.stringify(delivered.json)).toContain(nested(100));
  });

  test('a sync route refuses the deep body too, before calling its target', async () => {
    const res = await send('/json/sync', nested(101));
    recordReply('101 deep, sync route with a map step', res);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'JSON_LIMIT' });
    expect(target.count('/sync-echo')).toBe(0);
  });

  test('a repeated key gets 400 naming the key and its place, and takes neither branch', async () => {
    const res = await send('/json/choice', '{"role":"user","role":"admin"}');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ status: 400, code: 'JSON_DUPLICATE_KEY' });
    expect(res.json.detail).toBe('Duplicate JSON key "role": an object gives it twice (line 1, column 16)');
    const escaped = await send('/json/choice', '{"role":"user",\n "order": {"id": 1},\n "\\u0072ole":"admin"}');
    expect(escaped.status).toBe(400);
    expect(escaped.json.detail).toContain('"role"');
    expect(escaped.json.detail).toContain('line 3, column 2');
    const fine = await send('/json/choice', '{"role":"admin","order":{"role":"user"}}');
    expect(fine.status).toBe(202);
    await target.waitFor(1, 15_000, '/admin');
    await quiet();
    recordReply('"role" twice, choice route', res);
    recordReply('"\\u0072ole" after "role", choice route', escaped);
    recordReply('"role" once at each level, choice route', fine);
    expect(target.count('/admin')).toBe(1);
    expect(target.count('/user')).toBe(0);
  });

  test('a passthrough route, which does not parse the body, refuses the same and passes the rest byte for byte', async () => {
    expect(bus.runtime.routes.get('json-pass')?.readsBody).toBe(false);
    const twice = await send('/json/pass', '{\n  "order": {\n    "id": 7,\n    "lines": [{"sku": "A"}, {"sku": "B"}],\n    "id": 8\n  }\n}');
    expect(twice.status).toBe(400);
    expect(twice.json).toMatchObject({ code: 'JSON_DUPLICATE_KEY', messageId: expect.any(String) });
    expect(twice.json.detail).toBe('Duplicate JSON key "id": an object gives it twice (line 5, column 5)');
    const deep = await send('/json/pass', nested(5000));
    expect(deep.status).toBe(400);
    expect(deep.json.code).toBe('JSON_LIMIT');
    const atLimit = `[${nested(99)}, {"sku":"A"}, {"sku":"A"}]`;
    const ok = await send('/json/pass', atLimit);
    expect(ok.status).toBe(202);
    const [delivered] = await target.waitFor(1, 15_000, '/pass-sink');
    await quiet();
    recordReply('"id" twice, passthrough route', twice);
    recordReply('5,000 deep, passthrough route', deep);
    recordReply('100 deep (the limit), passthrough route', ok);
    expect(delivered.body).toBe(atLimit);
    expect(target.count('/pass-sink')).toBe(1);
  });

  test('a JSON target sends a JSON body as it came (screened, not parsed) and still converts an XML one', async () => {
    const route = bus.runtime.routes.get('json-to-json')!;
    expect({ json: route.readsBodyOf('json'), xml: route.readsBodyOf('xml') }).toEqual({ json: false, xml: true });
    const twice = await send('/json/to-json', '{"id": 7, "id": 8}');
    expect(twice.status).toBe(400);
    expect(twice.json).toMatchObject({ code: 'JSON_DUPLICATE_KEY', messageId: expect.any(String) });
    const deep = await send('/json/to-json', nested(5000));
    expect(deep.json.code).toBe('JSON_LIMIT');
    const spaced = '{ "order" : { "id" : 7.50, "lines" : [ {"sku":"A"} ] } }';
    expect((await send('/json/to-json', spaced)).status).toBe(202);
    const xml = await post(`${bus.url}/json/to-json`, '<order><id>9</id></order>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(202);
    const delivered = await target.waitFor(2, 15_000, '/json-sink');
    await quiet();
    recordReply('"id" twice, JSON target route', twice);
    recordReply('5,000 deep, JSON target route', deep);
    // Byte for byte: its spaces and the number as written (7.50).
    expect(delivered.map((r) => r.body)).toContain(spaced);
    const converted = delivered.find((r) => r.body !== spaced)!;
    expect(converted.headers['content-type']).toContain('application/json');
    expect(converted.json).toEqual({ order: { id: '9' } });
    expect(target.count('/json-sink')).toBe(2);
  });

  test('a message from a broker goes through the same exchange and is refused the same way, journaled as dead', async () => {
    // What a Kafka, AMQP or MQTT ingress hands the bus; each of them dead-letters or rejects a message the bus refuses.
    const incoming = {
      source: { kind: 'kafka', address: 'orders' },
      headers: {},
      body: Buffer.from('{"role":"user","role":"admin"}'),
      contentType: 'application/json',
    };
    const refusal = await bus.runtime.exchange.dispatch('json-pass', incoming).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(InputError);
    expect(refusal).toMatchObject({ code: 'JSON_DUPLICATE_KEY', status: 400 });
    const messageId = (refusal as InputError).messageId!;
    await waitUntil(async () => (await journal(messageId)).status === 'dead', 15_000, 'refused broker message journaled');
    expect(await journal(messageId)).toMatchObject({ status: 'dead', routeId: 'json-pass', deliveries: [] });
    record('"role" twice, a broker message to the exchange', 400, 'JSON_DUPLICATE_KEY', messageId);
  });
});
