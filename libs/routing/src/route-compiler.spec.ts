import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedRoute } from '@junction/config';
import { ConfigError, Message, StepError, ValidationError, type EgressConnector, type Headers } from '@junction/core';
import { bodyFromBytes, defaultXmlCodec } from '@junction/transform';
import type { CompileProblem } from './compile-context';
import { compileRoute } from './route-compiler';
import { DEFAULT_RETRY } from './retry-policy';
import type { CannedReply } from './route-tests/capture.egress';
import {
  captureRegistry,
  compileFixture,
  compileProblems,
  FlowRecorder,
  inputMessage,
  loadedRoute,
  runFlow,
  target,
  type SeenDispatch,
  SPEC_CONNECTORS,
} from './testing/route-fixtures';

interface FlowCase {
  readonly name: string;
  readonly route: Record<string, unknown>;
  readonly body: unknown;
  readonly headers?: Headers;
  readonly replies?: Record<string, CannedReply>;
  /**
   * Matched element by element, same length: bodies exactly; headers partially (other steps may add their own), with
   * `without` naming headers that dispatch must not carry; a dispatch without `part` must not be a part.
   */
  readonly dispatches: ReadonlyArray<Partial<SeenDispatch> & { readonly without?: readonly string[] }>;
  readonly filtered?: number;
  /** Hops the message must have recorded, as `step` or `step:note`. */
  readonly hops?: readonly string[];
}

const priorityChoice = {
  choice: {
    when: [
      { if: "$headers.'x-priority' = 'high'", to: [target('express')] },
      { if: 'total > 1000', to: [target('big')] },
    ],
    otherwise: { to: [target('standard')] },
  },
};

const tierChoice = {
  choice: {
    when: [{ if: 'vip', steps: [{ setHeaders: { 'x-tier': 'gold' } }, { map: '$merge([$, {"routed": true}])' }] }],
    otherwise: { steps: [{ setHeaders: { 'x-tier': 'basic' } }] },
  },
};

const bigOnly = { choice: { when: [{ if: 'total > 1000', to: [target('big')] }] } };

const FLOWS: FlowCase[] = [
  {
    name: 'recipient list: every target of `to` in order, same message',
    route: { to: [target('crm'), target('erp')] },
    body: { id: 1 },
    dispatches: [
      { target: 'crm', wireTap: false, body: { id: 1 } },
      { target: 'erp', wireTap: false, body: { id: 1 } },
    ],
  },
  {
    name: "recipient list: a target's own steps change its copy only",
    route: { to: [target('crm'), target('erp', { steps: [{ map: '{"ref": id}' }, { setHeaders: { 'x-erp': 'yes' } }] })] },
    body: { id: 1 },
    dispatches: [
      { target: 'crm', body: { id: 1 }, without: ['x-erp'] },
      { target: 'erp', body: { ref: 1 }, headers: { 'x-erp': 'yes' } },
    ],
  },
  {
    name: 'choice on a header via $headers',
    route: { steps: [priorityChoice] },
    body: { total: 10 },
    headers: { 'x-priority': 'high' },
    dispatches: [{ target: 'express' }],
    hops: ['choice:when[0]'],
  },
  {
    name: 'choice on the body',
    route: { steps: [priorityChoice] },
    body: { total: 5000 },
    headers: { 'x-priority': 'low' },
    dispatches: [{ target: 'big' }],
    hops: ['choice:when[1]'],
  },
  {
    name: 'choice: the first branch that holds wins',
    route: { steps: [priorityChoice] },
    body: { total: 5000 },
    headers: { 'x-priority': 'high' },
    dispatches: [{ target: 'express' }],
  },
  {
    name: 'choice: otherwise when no branch holds',
    route: { steps: [priorityChoice] },
    body: { total: 10 },
    dispatches: [{ target: 'standard' }],
    hops: ['choice:otherwise'],
  },
  {
    name: 'choice: no branch holds, no otherwise: the flow goes on unchanged',
    route: { steps: [bigOnly], to: [target('main')] },
    body: { total: 10 },
    dispatches: [{ target: 'main', body: { total: 10 } }],
    hops: ['choice:none'],
  },
  {
    name: 'choice: a branch with `to` delivers there and ends the flow',
    route: { steps: [bigOnly], to: [target('main')] },
    body: { total: 5000 },
    dispatches: [{ target: 'big' }],
  },
  {
    name: 'choice: a branch without `to` applies its steps and goes on after the choice',
    route: { steps: [tierChoice], to: [target('main')] },
    body: { vip: true },
    dispatches: [{ target: 'main', body: { vip: true, routed: true }, headers: { 'x-tier': 'gold' } }],
  },
  {
    name: 'choice: otherwise without `to` applies its steps and goes on',
    route: { steps: [tierChoice], to: [target('main')] },
    body: { vip: false },
    dispatches: [{ target: 'main', body: { vip: false }, headers: { 'x-tier': 'basic' } }],
  },
  {
    name: 'choice: an empty array is false (JSONata truthiness)',
    route: { steps: [{ choice: { when: [{ if: 'items', to: [target('some')] }], otherwise: { to: [target('none')] } } }] },
    body: { items: [] },
    dispatches: [{ target: 'none' }],
  },
  {
    name: 'filter: a message that passes goes on',
    route: { steps: [{ filter: 'total > 0' }], to: [target('main')] },
    body: { total: 5 },
    dispatches: [{ target: 'main' }],
    filtered: 0,
  },
  {
    name: 'filter: a message that fails is dropped and reported as filtered',
    route: { steps: [{ filter: 'total > 0' }], to: [target('main')] },
    body: { total: 0 },
    dispatches: [],
    filtered: 1,
    hops: ['filter:dropped'],
  },
  {
    name: 'split by expr: one dispatch per item, marked as parts; `to` ends the flow',
    route: { steps: [{ split: { expr: 'lines', to: [target('line')] } }], to: [target('after')] },
    body: { lines: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }] },
    dispatches: [
      { target: 'line', body: { sku: 'a' }, part: { index: 0, of: 3 } },
      { target: 'line', body: { sku: 'b' }, part: { index: 1, of: 3 } },
      { target: 'line', body: { sku: 'c' }, part: { index: 2, of: 3 } },
    ],
    hops: ['split:3 parts'],
  },
  {
    name: 'split by expr: a single value is one part',
    route: { steps: [{ split: { expr: 'lines' } }], to: [target('line')] },
    body: { lines: { sku: 'a' } },
    dispatches: [{ target: 'line', body: { sku: 'a' }, part: { index: 0, of: 1 } }],
  },
  {
    name: 'split by expr: no result is no part',
    route: { steps: [{ split: { expr: 'lines' } }], to: [target('line')] },
    body: { other: 1 },
    dispatches: [],
    hops: ['split:0 parts'],
  },
  {
    name: 'split by dotted path on JSON: parts run through the split steps, then the rest of the flow',
    route: {
      steps: [{ split: { path: 'order.lines', steps: [{ map: '{"sku": sku, "qty": qty * 2}' }] } }, { setHeaders: { 'x-part': 'yes' } }],
      to: [target('line')],
    },
    body: { order: { id: 7, lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] } },
    dispatches: [
      { target: 'line', body: { sku: 'a', qty: 2 }, headers: { 'x-part': 'yes' }, part: { index: 0, of: 2 } },
      { target: 'line', body: { sku: 'b', qty: 4 }, headers: { 'x-part': 'yes' }, part: { index: 1, of: 2 } },
    ],
  },
  {
    name: 'split: a filter inside drops single parts',
    route: { steps: [{ split: { expr: 'lines', steps: [{ filter: 'qty > 0' }], to: [target('line')] } }] },
    body: { lines: [{ qty: 1 }, { qty: 0 }, { qty: 3 }] },
    dispatches: [
      { target: 'line', body: { qty: 1 }, part: { index: 0, of: 3 } },
      { target: 'line', body: { qty: 3 }, part: { index: 2, of: 3 } },
    ],
    filtered: 1,
  },
  {
    name: 'wire tap: a copy marked wireTap, taken before later steps; the flow goes on',
    route: { steps: [{ wireTap: target('audit') }, { map: '{"id": id}' }], to: [target('main')] },
    body: { id: 1, secret: 'x' },
    dispatches: [
      { target: 'audit', wireTap: true, body: { id: 1, secret: 'x' } },
      { target: 'main', wireTap: false, body: { id: 1 } },
    ],
    hops: ['wireTap:audit'],
  },
  {
    name: 'enricher: `into` puts the reply under a key',
    route: { steps: [{ enrich: { target: target('crm'), into: 'customer' } }], to: [target('main')] },
    body: { id: 1 },
    replies: { crm: { body: { name: 'Ada' } } },
    dispatches: [{ target: 'main', body: { id: 1, customer: { name: 'Ada' } } }],
    hops: ['enrich:crm'],
  },
  {
    name: "enricher: by default the reply's fields are merged over the body's",
    route: { steps: [{ enrich: { target: target('crm') } }], to: [target('main')] },
    body: { id: 1, name: 'old' },
    replies: { crm: { body: { name: 'Ada', since: 2020 } } },
    dispatches: [{ target: 'main', body: { id: 1, name: 'Ada', since: 2020 } }],
  },
  {
    name: 'enricher: an empty reply merges nothing',
    route: { steps: [{ enrich: { target: target('crm') } }], to: [target('main')] },
    body: { id: 1 },
    replies: { crm: { body: '' } },
    dispatches: [{ target: 'main', body: { id: 1 } }],
  },
  {
    name: 'enricher: a merge expression over { body, reply }',
    route: {
      steps: [{ enrich: { target: target('crm'), merge: '$merge([body, {"customer": reply.name, "route": $routeId}])' } }],
      to: [target('main')],
    },
    body: { id: 1 },
    replies: { crm: { body: { name: 'Ada' } } },
    dispatches: [{ target: 'main', body: { id: 1, customer: 'Ada', route: 'r' } }],
  },
  {
    name: 'enricher: `into` takes a reply that is not an object',
    route: { steps: [{ enrich: { target: target('crm'), into: 'tags' } }], to: [target('main')] },
    body: { id: 1 },
    replies: { crm: { body: ['a', 'b'] } },
    dispatches: [{ target: 'main', body: { id: 1, tags: ['a', 'b'] } }],
  },
  {
    name: 'map: the result becomes the body',
    route: { steps: [{ map: '{"total": $sum(lines.price), "msg": $messageId}' }], to: [target('main')] },
    body: { lines: [{ price: 10 }, { price: 20 }] },
    dispatches: [{ target: 'main', body: { total: 30, msg: 'm-1' } }],
  },
  {
    name: 'setHeaders: literal and expr values, names lower-cased; null or no result removes; objects as JSON',
    route: {
      steps: [
        {
          setHeaders: {
            'X-Source': 'web',
            'x-order': { expr: '$string(id)' },
            'x-copy': { expr: "$headers.'x-in'" },
            'x-obj': { expr: '{"a": 1}' },
            'x-gone': { expr: 'missing' },
            'x-null': { expr: 'null' },
          },
        },
      ],
      to: [target('main')],
    },
    body: { id: 42 },
    headers: { 'x-in': 'from-caller', 'x-gone': 'old', 'x-null': 'old', 'x-kept': 'k' },
    dispatches: [
      {
        target: 'main',
        headers: { 'x-in': 'from-caller', 'x-kept': 'k', 'x-source': 'web', 'x-order': '42', 'x-copy': 'from-caller', 'x-obj': '{"a":1}' },
        without: ['X-Source', 'x-gone', 'x-null'],
      },
    ],
  },
  {
    name: 'removeHeaders: by name, case-insensitive',
    route: { steps: [{ removeHeaders: ['X-Secret', 'x-absent'] }], to: [target('main')] },
    body: {},
    headers: { 'x-secret': 's', 'x-kept': 'k' },
    dispatches: [{ target: 'main', headers: { 'x-kept': 'k' }, without: ['x-secret', 'X-Secret'] }],
  },
  {
    name: 'convert: XML to JSON',
    route: { steps: [{ convert: { to: 'json' } }, { map: '{"id": Order.id}' }], to: [target('main')] },
    body: '<Order><id>7</id></Order>',
    dispatches: [{ target: 'main', body: { id: '7' } }],
    hops: ['convert:json', 'map'],
  },
  {
    name: 'validate: an inline schema that holds lets the message through',
    route: { steps: [{ validate: { schema: { type: 'object', required: ['id'] } } }], to: [target('main')] },
    body: { id: 1 },
    dispatches: [{ target: 'main', body: { id: 1 } }],
    hops: ['validate:r inline schema'],
  },
];

describe('compileRoute: flows', () => {
  it.each(FLOWS)('$name', async (c) => {
    const fixture = compileFixture(c.route);
    for (const capture of fixture.captures.values()) capture.replies = c.replies ?? {};
    const message = inputMessage(c.body, fixture.route.codec, c.headers);
    const flow = new FlowRecorder(fixture.route.codec);
    await fixture.route.run(message, flow);
    const seen = flow.seen();
    expect(seen).toHaveLength(c.dispatches.length);
    for (const [i, { without, ...d }] of c.dispatches.entries()) {
      expect(seen[i]).toMatchObject(d);
      if ('body' in d) expect(seen[i].body).toEqual(d.body);
      expect(seen[i].part).toEqual(d.part);
      for (const name of without ?? []) expect(seen[i].headers).not.toHaveProperty([name]);
    }
    if (c.filtered !== undefined) expect(flow.filteredMessages).toHaveLength(c.filtered);
    const hops = message.hops.map((h) => (h.note === undefined ? h.step : `${h.step}:${h.note}`));
    for (const hop of c.hops ?? []) expect(hops).toContain(hop);
  });
});

describe('compileRoute: steps that fail on a message', () => {
  it.each<[string, Record<string, unknown>, unknown, Record<string, CannedReply>, new (...args: never[]) => Error, RegExp]>([
    ['an enricher reply that is an array', { enrich: { target: target('crm') } }, { id: 1 }, { crm: { body: [1, 2] } }, StepError, /the reply is not an object/],
    ['an enricher reply that is text', { enrich: { target: target('crm') } }, { id: 1 }, { crm: { body: 'plain words' } }, StepError, /the reply is not an object/],
    ['an enricher on a body that is not an object', { enrich: { target: target('crm') } }, [1], {}, StepError, /the body is not an object/],
    ['a map with no result', { map: 'missing' }, { id: 1 }, {}, StepError, /the mapping produced no value/],
    ['an expression that fails at run time', { filter: '$number("x") > 1' }, { id: 1 }, {}, StepError, /JSONata evaluation failed/],
    ['a split path through a non-object', { split: { path: 'order.lines' } }, { order: 'none' }, {}, StepError, /no order\.lines in the message/],
    ['a computed header value holding CRLF', { setHeaders: { 'x-ref': { expr: 'ref' } } }, { ref: 'A1\r\nx-injected: 1' }, {}, StepError, /x-ref holds a line break/],
    ['a validation failure', { validate: { schema: { type: 'object', required: ['id'] } } }, { name: 'x' }, {}, ValidationError, /must have required property 'id'/],
  ])('%s fails the flow', async (_name, step, body, replies, type, message) => {
    const fixture = compileFixture({ steps: [step], to: [target('main')] });
    for (const capture of fixture.captures.values()) capture.replies = replies;
    const run = runFlow(fixture, body);
    await expect(run).rejects.toBeInstanceOf(type);
    await expect(run).rejects.toThrow(message);
  });

  it('a failing enricher call fails the flow with the delivery error', async () => {
    const fixture = compileFixture({ steps: [{ enrich: { target: target('crm') } }], to: [target('main')] });
    fixture.captures.get('http')!.replies = { crm: { status: 503 } };
    await expect(runFlow(fixture, { id: 1 })).rejects.toMatchObject({ code: 'HTTP_503', retriable: false });
  });

  it('the enricher calls its target with the message in the target format', async () => {
    const fixture = compileFixture({
      steps: [{ enrich: { target: target('crm', {}, { format: 'xml', xmlRoot: 'Lookup' }), into: 'crm' } }],
      to: [target('main')],
    });
    const flow = await runFlow(fixture, { id: 1, kind: 'b2b' });
    const sent = fixture.captures.get('http')!.calls;
    expect(flow.calls.map((c) => c.target.id)).toEqual(['crm']);
    expect(sent.map((c) => c.targetId)).toEqual(['crm']);
    expect(sent[0].message.body.bytes().toString()).toBe('<Lookup><id>1</id><kind>b2b</kind></Lookup>');
    expect(flow.dispatches[0].message.body.value()).toEqual({ id: 1, kind: 'b2b', crm: {} });
  });
});

describe('compileRoute: split by path on XML', () => {
  const xml =
    '<?xml version="1.0"?><ns:Orders xmlns:ns="urn:orders" xmlns="urn:default" batch="9">' +
    '<ns:Order id="1"><ns:Total>5</ns:Total></ns:Order>' +
    '<ns:Order id="2" xmlns:x="urn:x"><x:Total>7</x:Total></ns:Order>' +
    '</ns:Orders>';

  it('gives each part as an XML document rooted at the last segment, carrying the namespaces in scope', async () => {
    const fixture = compileFixture({ steps: [{ split: { path: 'ns:Orders.ns:Order' } }], to: [target('part')] });
    const flow = await runFlow(fixture, xml);
    const parts = flow.dispatches.map((d) => d.message);
    expect(parts.map((p) => p.part)).toEqual([
      { index: 0, of: 2, parentId: 'm-1', rootId: 'm-1' },
      { index: 1, of: 2, parentId: 'm-1', rootId: 'm-1' },
    ]);
    expect(parts.map((p) => p.id)).toEqual(['m-1.0', 'm-1.1']);
    expect(parts.map((p) => p.body.format)).toEqual(['xml', 'xml']);
    expect(parts.map((p) => fixture.route.codec.parse(p.body.bytes()))).toEqual([
      { 'ns:Order': { '@xmlns:ns': 'urn:orders', '@xmlns': 'urn:default', '@id': '1', 'ns:Total': '5' } },
      { 'ns:Order': { '@xmlns:ns': 'urn:orders', '@xmlns': 'urn:default', '@id': '2', '@xmlns:x': 'urn:x', 'x:Total': '7' } },
    ]);
    // an attribute of an ancestor that is not a namespace declaration stays behind
    expect(parts[0].body.bytes().toString()).not.toContain('batch');
  });

  it('gives a single repeated element as one part, and text-only elements as documents too', async () => {
    const fixture = compileFixture({ steps: [{ split: { path: 'ns:Codes.ns:Code' } }], to: [target('part')] });
    const flow = await runFlow(fixture, '<ns:Codes xmlns:ns="urn:c"><ns:Code>A</ns:Code></ns:Codes>');
    expect(flow.dispatches.map((d) => fixture.route.codec.parse(d.message.body.bytes()))).toEqual([
      { 'ns:Code': { '@xmlns:ns': 'urn:c', '#text': 'A' } },
    ]);
  });

  it('gives JSON parts for a JSON body on the same path', async () => {
    const fixture = compileFixture({ steps: [{ split: { path: 'Orders.Order' } }], to: [target('part')] });
    const flow = await runFlow(fixture, { Orders: { Order: [{ id: 1 }, { id: 2 }] } });
    expect(flow.dispatches.map((d) => [d.message.body.format, d.message.body.value()])).toEqual([
      ['json', { id: 1 }],
      ['json', { id: 2 }],
    ]);
  });

  it('honours the route xml.arrays option when reading the body', async () => {
    const fixture = compileFixture({ xml: { arrays: ['Orders.Order'] }, steps: [{ split: { expr: 'Orders.Order' } }], to: [target('part')] });
    const flow = await runFlow(fixture, '<Orders><Order><id>1</id></Order></Orders>');
    expect(flow.seen().map((d) => d.body)).toEqual([{ id: '1' }]);
  });
});

describe('compileRoute: convert and validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-compiler-'));
    mkdirSync(join(dir, 'schemas'));
    writeFileSync(join(dir, 'schemas', 'order.schema.json'), JSON.stringify({ type: 'object', required: ['orderId'] }));
    writeFileSync(join(dir, 'schemas', 'broken.json'), '{ not json');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('convert to XML writes the body under the given root', async () => {
    const fixture = compileFixture({ steps: [{ convert: { to: 'xml', root: 'Order' } }], to: [target('main')] });
    const flow = await runFlow(fixture, { id: 1, items: ['a', 'b'] });
    const body = flow.dispatches[0].message.body;
    expect(body.format).toBe('xml');
    expect(body.contentType).toBe('application/xml');
    expect(body.bytes().toString()).toBe('<Order><id>1</id><items>a</items><items>b</items></Order>');
  });

  it('convert to the format the body already has keeps the original bytes', async () => {
    const fixture = compileFixture({ steps: [{ convert: { to: 'json' } }], to: [target('main')] });
    const message = inputMessage({ b: 1, a: 2 }, fixture.route.codec);
    const flow = new FlowRecorder(fixture.route.codec);
    await fixture.route.run(message, flow);
    expect(flow.dispatches[0].message.body).toBe(message.body);
  });

  it('validate reads a schema file relative to the route file', async () => {
    const fixture = compileFixture({ steps: [{ validate: { schema: './schemas/order.schema.json' } }], to: [target('main')] }, dir);
    await expect(runFlow(fixture, { orderId: 'A1' })).resolves.toMatchObject({ dispatches: [expect.anything()] });
    await expect(runFlow(fixture, { id: 'A1' })).rejects.toThrow(/does not match schema '.\/schemas\/order.schema.json'.*orderId/);
  });

  it('validate accepts an absolute schema path', async () => {
    const fixture = compileFixture({ steps: [{ validate: { schema: join(dir, 'schemas', 'order.schema.json') } }], to: [target('main')] });
    await expect(runFlow(fixture, { id: 1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it.each([
    ['a missing schema file', './schemas/missing.json', /^cannot read JSON Schema \.\/schemas\/missing\.json: .*ENOENT/],
    ['a schema file that is not JSON', './schemas/broken.json', /^cannot read JSON Schema \.\/schemas\/broken\.json: /],
    ['an invalid schema', { type: 'no-such-type' }, /^invalid JSON Schema: /],
  ])('%s is a compile problem at the schema', (_name, schema, message) => {
    const result = compileProblems({ steps: [{ validate: { schema } }], to: [target('main')] }, dir);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual([{ path: ['steps', 0, 'validate', 'schema'], message: expect.stringMatching(message) }]);
  });
});

describe('compileRoute: reply steps', () => {
  const replyMessage = (body: unknown, headers: Headers = {}) =>
    new Message('m-1', 'c-1', { kind: 'test', address: '/r' }, headers, bodyFromBytes(Buffer.from(JSON.stringify(body)), 'application/json', defaultXmlCodec), 0);

  it('applies its transforms to the reply in order', async () => {
    const fixture = compileFixture({
      mode: 'sync',
      to: [target('erp')],
      reply: [{ map: '{"ok": status = "done", "n": n}' }, { setHeaders: { 'x-bus': 'junction' } }, { removeHeaders: ['x-internal'] }, { convert: { to: 'xml', root: 'Result' } }],
    });
    const out = await fixture.route.transformReply(replyMessage({ status: 'done', n: 2 }, { 'x-internal': '1', 'x-kept': 'k' }));
    expect(out.headers).toEqual({ 'x-bus': 'junction', 'x-kept': 'k' });
    expect(out.body.bytes().toString()).toBe('<Result><ok>true</ok><n>2</n></Result>');
  });

  it('returns the reply as it is without reply steps', async () => {
    const fixture = compileFixture({ mode: 'sync', to: [target('erp')] });
    const reply = replyMessage({ a: 1 });
    await expect(fixture.route.transformReply(reply)).resolves.toBe(reply);
  });

  it('rejects when a reply step fails', async () => {
    const fixture = compileFixture({ mode: 'sync', to: [target('erp')], reply: [{ validate: { schema: { type: 'array' } } }] });
    await expect(fixture.route.transformReply(replyMessage({ a: 1 }))).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('compileRoute: problems', () => {
  const choiceIf = (ifs: string[]) => ({ choice: { when: ifs.map((i) => ({ if: i, to: [target('a')] })) } });

  it.each<[string, Record<string, unknown>, CompileProblem[]]>([
    ['a JSONata syntax error in a filter', { steps: [{ filter: 'total >' }], to: [target('a')] }, [{ path: ['steps', 0, 'filter'], message: '' }]],
    ['a JSONata syntax error in a choice', { steps: [{ map: '$' }, choiceIf(['true', '(('])] }, [{ path: ['steps', 1, 'choice', 'when', 1, 'if'], message: '' }]],
    [
      'a JSONata syntax error in a nested choice branch',
      { steps: [{ choice: { when: [{ if: 'true', steps: [{ map: '{"a": }' }], to: [target('a')] }] } }] },
      [{ path: ['steps', 0, 'choice', 'when', 0, 'steps', 0, 'map'], message: '' }],
    ],
    ['a JSONata syntax error in a split', { steps: [{ split: { expr: '[1,', to: [target('a')] } }] }, [{ path: ['steps', 0, 'split', 'expr'], message: '' }]],
    [
      'a JSONata syntax error in a header expression',
      { steps: [{ setHeaders: { 'X-A': { expr: '}{' } } }], to: [target('a')] },
      [{ path: ['steps', 0, 'setHeaders', 'X-A', 'expr'], message: '' }],
    ],
    ['a JSONata syntax error in a merge', { steps: [{ enrich: { target: target('a'), merge: 'body +' } }] }, [{ path: ['steps', 0, 'enrich', 'merge'], message: '' }]],
    ['a JSONata syntax error in the business key', { businessKey: 'order.', to: [target('a')] }, [{ path: ['businessKey'], message: '' }]],
    ['a JSONata syntax error in a reply step', { mode: 'sync', to: [target('a')], reply: [{ map: '((' }] }, [{ path: ['reply', 0, 'map'], message: '' }]],
  ])('%s names the expression', (_name, raw, expected) => {
    const result = compileProblems(raw);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.path)).toEqual(expected.map((p) => p.path));
    for (const p of problems) expect(p.message).toMatch(/^JSONata syntax error at position \d+/);
  });

  it.each<[string, Record<string, unknown>, CompileProblem]>([
    [
      'a duplicate explicit target id',
      { to: [target('crm'), { id: 'crm', http: { url: 'http://other.invalid/x' } }] },
      { path: ['to', 1, 'id'], message: 'duplicate target id "crm"' },
    ],
    ['no target anywhere', { steps: [{ map: '$' }] }, { path: ['to'], message: 'a route needs a target: in to, in a choice branch, a split or a wire tap' }],
    [
      'two reply targets in a sync route',
      { mode: 'sync', to: [target('a', { reply: true }), target('b', { reply: true })] },
      { path: ['to'], message: 'only one target may set reply: true' },
    ],
    [
      'a choice in reply steps',
      { mode: 'sync', to: [target('a')], reply: [{ map: '$' }, choiceIf(['true'])] },
      { path: ['reply', 1], message: 'reply steps may only validate, map, setHeaders, removeHeaders, convert or setVars' },
    ],
    [
      'a filter in reply steps',
      { mode: 'sync', to: [target('a')], reply: [{ filter: 'true' }] },
      { path: ['reply', 0], message: 'reply steps may only validate, map, setHeaders, removeHeaders, convert or setVars' },
    ],
  ])('%s is a problem at its path', (_name, raw, expected) => {
    const result = compileProblems(raw);
    expect(result).toEqual({ ok: false, problems: [expected] });
  });

  it('collects every problem, not just the first', () => {
    const result = compileProblems({
      steps: [{ filter: '((' }, { validate: { schema: './nowhere.json' } }],
      to: [target('a'), { id: 'a', http: { url: 'http://elsewhere.invalid/' } }],
      reply: [{ wireTap: target('tap') }],
    });
    expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([['steps', 0, 'filter'], ['steps', 1, 'validate', 'schema'], ['to', 1, 'id'], ['reply', 0]]),
    );
  });

  it('reports a target kind without a connector', () => {
    const result = compileRoute(loadedRoute({ to: [target('a')] }), { connectors: SPEC_CONNECTORS, egress: new Map() });
    expect(result).toEqual({ ok: false, problems: [{ path: ['to', 0], message: 'no connector for target kind "http"' }] });
  });

  it('reports a connector that refuses the target config at the kind key', () => {
    const refusing: EgressConnector = {
      kind: 'http',
      endpoint: () => {
        throw new ConfigError('header template is broken');
      },
      close: async () => undefined,
    };
    const result = compileRoute(loadedRoute({ steps: [{ wireTap: target('tap') }], to: [target('a')] }), { connectors: SPEC_CONNECTORS, egress: new Map([['http', refusing]]) });
    expect(result.ok ? [] : result.problems).toEqual([
      { path: ['steps', 0, 'wireTap', 'http'], message: 'header template is broken' },
      { path: ['to', 0, 'http'], message: 'header template is broken' },
    ]);
  });

  it('allows several reply targets in an async route (reply only matters for sync)', () => {
    expect(compileProblems({ to: [target('a', { reply: true }), target('b', { reply: true })] }).ok).toBe(true);
  });
});

describe('compileRoute: targets', () => {
  const url = 'http://crm.example:8080/api/orders?tenant=1';
  const ids = (raw: Record<string, unknown>) => [...compileFixture(raw).route.targets.keys()];

  it('names a target without id `<kind>:<host><path>`', () => {
    expect(ids({ to: [{ http: { url } }] })).toEqual(['http:crm.example:8080/api/orders']);
  });

  it('suffixes #2, #3 for different targets on the same URL', () => {
    expect(ids({ to: [{ http: { url } }, { http: { url, method: 'PUT' } }, { http: { url, format: 'json' } }] })).toEqual([
      'http:crm.example:8080/api/orders',
      'http:crm.example:8080/api/orders#2',
      'http:crm.example:8080/api/orders#3',
    ]);
  });

  it('does not suffix a default id when the other target on that URL has an explicit id', () => {
    expect(ids({ to: [{ id: 'crm', http: { url } }, { http: { url } }] })).toEqual(['crm', 'http:crm.example:8080/api/orders']);
  });

  it('shares one compiled target between identical definitions anywhere in the route', async () => {
    const fixture = compileFixture({ steps: [{ wireTap: { http: { url } } }], to: [{ http: { url } }] });
    expect([...fixture.route.targets.keys()]).toEqual(['http:crm.example:8080/api/orders']);
    const flow = await runFlow(fixture, { id: 1 });
    expect(flow.dispatches).toHaveLength(2);
    expect(flow.dispatches[0].target).toBe(flow.dispatches[1].target);
    expect(flow.dispatches.map((d) => d.wireTap)).toEqual([true, false]);
  });

  it('allows the same explicit id for identical definitions (one target in several branches)', () => {
    const crm = target('crm');
    const result = compileProblems({ steps: [{ choice: { when: [{ if: 'a', to: [crm] }], otherwise: { to: [crm] } } }] });
    expect(result.ok).toBe(true);
    expect(result.ok && [...result.route.targets.keys()]).toEqual(['crm']);
  });

  it('collects targets from every part of the flow', () => {
    expect(
      ids({
        steps: [
          { wireTap: target('tap') },
          { enrich: { target: target('lookup') } },
          { choice: { when: [{ if: 'a', to: [target('branch')] }] } },
          { split: { expr: 'x', to: [target('part')] } },
        ],
        to: [target('main')],
      }).sort(),
    ).toEqual(['branch', 'lookup', 'main', 'part', 'tap']);
  });

  it('carries the retry policy, format, XML root, reply flag and description', () => {
    const route = compileFixture({
      mode: 'sync',
      to: [
        target('a', { retry: { attempts: 2 }, reply: true }, { format: 'xml', xmlRoot: 'Doc' }),
        target('b'),
      ],
    }).route;
    expect(route.targets.get('a')).toMatchObject({
      kind: 'http',
      retry: { attempts: 2, backoffMs: 200, maxBackoffMs: 60_000 },
      format: 'xml',
      xmlRoot: 'Doc',
      reply: true,
      description: 'captured http://a.invalid/in',
    });
    expect(route.targets.get('b')).toMatchObject({ retry: DEFAULT_RETRY, format: 'asis', reply: false });
  });
});

describe('compileRoute: the compiled route', () => {
  it('carries the definition, the file and the display form', () => {
    const loaded: LoadedRoute = { ...loadedRoute({ id: 'orders', description: 'd', to: [target('a')] }), file: 'routes/o.yaml' };
    const result = compileRoute(loaded, { connectors: SPEC_CONNECTORS, egress: captureRegistry() });
    expect(result.ok && result.route).toMatchObject({
      id: 'orders',
      description: 'd',
      mode: 'async',
      source: { http: { path: '/r', method: 'POST' } },
      file: 'routes/o.yaml',
      display: loaded.display,
    });
  });

  it.each<[string, string | undefined, unknown, string | undefined]>([
    ['no business key declared', undefined, { id: 1 }, undefined],
    ['a string key', 'order.number', { order: { number: 'A-1' } }, 'A-1'],
    ['a number key, as text', 'order.id', { order: { id: 17 } }, '17'],
    ['no result', 'order.number', { other: 1 }, undefined],
    ['a key over 200 characters, cut', 'code', { code: 'x'.repeat(300) }, 'x'.repeat(200)],
    ['a key using $headers', "$headers.'x-tenant' & '/' & id", { id: 3 }, 'acme/3'],
  ])('businessKey: %s', async (_name, businessKey, body, key) => {
    const fixture = compileFixture({ ...(businessKey ? { businessKey } : {}), to: [target('a')] });
    await expect(fixture.route.businessKey(inputMessage(body, fixture.route.codec, { 'x-tenant': 'acme' }))).resolves.toBe(key);
  });
});

describe('compileRoute: default target ids follow the file', () => {
  it('numbers same-URL targets in document order, a wire tap in steps first', async () => {
    const fixture = compileFixture({
      steps: [{ wireTap: { http: { url: 'http://host.test/same', headers: { 'x-tap': '1' } } } }],
      to: [{ http: { url: 'http://host.test/same' } }],
    });
    const flow = await runFlow(fixture, { a: 1 });
    expect(flow.seen().map((d) => [d.target, d.wireTap])).toEqual([
      ['http:host.test/same', true],
      ['http:host.test/same#2', false],
    ]);
  });
});

describe('compileRoute: a wire tap whose own steps fail', () => {
  it('leaves the copy out, notes why in the hops, and the flow goes on', async () => {
    const fixture = compileFixture({
      steps: [
        {
          wireTap: {
            id: 'tap',
            http: { url: 'http://host.test/tap' },
            steps: [{ validate: { schema: { type: 'object', required: ['missing'] } } }],
          },
        },
      ],
      to: [{ id: 'main', http: { url: 'http://host.test/main' } }],
    });
    const message = inputMessage({ a: 1 }, fixture.route.codec);
    const flow = new FlowRecorder(fixture.route.codec);
    await fixture.route.run(message, flow);
    expect(flow.seen().map((d) => d.target)).toEqual(['main']);
    expect(message.hops.map((h) => h.note)).toContainEqual(expect.stringMatching(/^tap skipped: .*missing/));
  });
});

describe('compileRoute: which routes read the body', () => {
  const base = { id: 'r', from: { http: { path: '/r' } } };
  it.each([
    ['a passthrough to HTTP targets sending the bytes as they are', { to: [target('a'), target('b')] }, false],
    ['a route setting and removing headers', { steps: [{ setHeaders: { x: 'one', y: { expr: '$headers.a' } } }, { removeHeaders: ['z'] }], to: [target('a')] }, false],
    ['a route choosing on a header', { steps: [{ choice: { when: [{ if: "$headers.k = 'a'", to: [target('a')] }], otherwise: { to: [target('b')] } } }] }, false],
    ['a route filtering on a header', { steps: [{ filter: '$exists($headers.k)' }], to: [target('a')] }, false],
    ['a route choosing on the body', { steps: [{ choice: { when: [{ if: "order.kind = 'a'", to: [target('a')] }] } }] }, true],
    ['a header set from the body', { steps: [{ setHeaders: { x: { expr: 'order.id' } } }], to: [target('a')] }, true],
    ['a route mapping the body', { steps: [{ map: '{ "a": order.id }' }], to: [target('a')] }, true],
    ['a route with a business key', { businessKey: 'order.id', to: [target('a')] }, true],
    ['a route with reply steps', { mode: 'sync', reply: [{ map: '$' }], to: [target('a')] }, true],
    ['a target converting the format', { to: [target('a', {}, { format: 'json' })] }, true],
    ['a target with its own steps', { to: [target('a', { steps: [{ map: '$' }] })] }, true],
    ['a Kafka target', { to: [{ id: 'k', kafka: { topic: 't', brokers: ['127.0.0.1:9'] } }] }, true],
  ])('%s: %s', (_name, route, expected) => {
    expect(compileFixture({ ...base, ...route }).route.readsBody).toBe(expected);
  });

  // A target that converts into its format sends a body already in it as it is: only the other formats are read.
  it.each([
    ['an HTTP target in JSON', { to: [target('a', {}, { format: 'json' })] }, { json: false, xml: true, text: true }],
    ['an HTTP target in XML beside one as is', { to: [target('a', {}, { format: 'xml' }), target('b')] }, { json: true, xml: false, text: true }],
    ['targets in JSON and in XML', { to: [target('a', {}, { format: 'json' }), target('b', {}, { format: 'xml' })] }, { json: true, xml: true, text: true }],
    ['a JSON target after a choice on the body', { steps: [{ choice: { when: [{ if: "order.kind = 'a'", to: [target('a', {}, { format: 'json' })] }] } }] }, { json: true, xml: true, text: true }],
    ['a passthrough', { to: [target('a')] }, { json: false, xml: false, text: false }],
  ])('reads a body by its format: %s', (_name, route, expected) => {
    const compiled = compileFixture({ ...base, ...route }).route;
    expect({ json: compiled.readsBodyOf('json'), xml: compiled.readsBodyOf('xml'), text: compiled.readsBodyOf('text') }).toEqual(expected);
  });
});
