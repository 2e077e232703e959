import { routeSchemas } from '@junction/config';
import { Message } from '@junction/core';
import { bodyFromBytes, defaultXmlCodec } from '@junction/transform';
import { HttpEgress } from '@junction/connectors';
import { compileRoute } from './route-compiler';
import { replyMessage, runRoute } from './run-route';
import { compileFixture, compileProblems, FlowRecorder, inputMessage, loadedRoute, runFlow, SPEC_CONNECTORS, target } from './testing/route-fixtures';

const json = (value: unknown) => bodyFromBytes(Buffer.from(JSON.stringify(value)), 'application/json', defaultXmlCodec);

describe('setVars: route variables', () => {
  it('sets variables that later steps, a choice and the targets\' own steps read as $vars', async () => {
    const fixture = compileFixture({
      steps: [
        { setVars: { emailCount: '$count(customers.email)', first: 'customers[0].name' } },
        { map: '{ "n": $vars.emailCount }' },
        { choice: { when: [{ if: '$vars.emailCount > 1', steps: [{ setHeaders: { 'x-first': { expr: '$vars.first' } } }] }] } },
      ],
      to: [target('crm', { steps: [{ map: '$merge([$, { "first": $vars.first, "all": $vars }])' }] })],
    });
    const flow = await runFlow(fixture, { customers: [{ name: 'Ann', email: 'a@x' }, { name: 'Bo', email: 'b@x' }] });
    expect(flow.seen()).toEqual([
      expect.objectContaining({ target: 'crm', body: { n: 2, first: 'Ann', all: { emailCount: 2, first: 'Ann' } }, headers: { 'x-first': 'Ann' } }),
    ]);
  });

  it('evaluates in order, so a later variable reads an earlier one; undefined removes a variable', async () => {
    const fixture = compileFixture({
      steps: [{ setVars: { a: '1', b: '$vars.a + 1' } }, { setVars: { a: 'nothing.here' } }, { map: '$vars' }],
      to: [target('crm')],
    });
    const flow = await runFlow(fixture, { x: 1 });
    expect(flow.seen()[0].body).toEqual({ b: 2 });
  });

  it('gives each split part the variables set before the split, and a part\'s own never reach the others', async () => {
    const fixture = compileFixture({
      steps: [
        { setVars: { batch: 'batchId' } },
        { split: { expr: 'items', steps: [{ setVars: { sku: 'sku' } }, { map: '{ "batch": $vars.batch, "sku": $vars.sku, "seen": $keys($vars) }' }], to: [target('crm')] } },
      ],
    });
    const flow = await runFlow(fixture, { batchId: 'B-1', items: [{ sku: 'A' }, { sku: 'B' }] });
    // JSON round trip: JSONata marks its sequences with a property of their own.
    expect(JSON.parse(JSON.stringify(flow.seen().map((d) => d.body)))).toEqual([
      { batch: 'B-1', sku: 'A', seen: ['batch', 'sku'] },
      { batch: 'B-1', sku: 'B', seen: ['batch', 'sku'] },
    ]);
  });

  it('feeds a target URL template', async () => {
    // The HTTP connector compiles the URL template; nothing is sent (the flow only dispatches).
    const http = new HttpEgress();
    const raw = { steps: [{ setVars: { customer: 'order.customerId' } }], to: [{ id: 'crm', http: { url: 'http://crm.invalid/customers/{$vars.customer}/orders' } }] };
    const compiled = compileRoute(loadedRoute(raw), { connectors: SPEC_CONNECTORS, egress: new Map([['http', http]]) });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const message = inputMessage({ order: { customerId: 'C 7' } }, compiled.route.codec);
    const run = await runRoute(compiled.route, message, () => Promise.reject(new Error('no calls')));
    await http.close();
    expect(run.dispatches[0].address).toBe('/customers/C%207/orders');
  });

  it('binds $vars to {} when none were set, and never adds a header', async () => {
    const fixture = compileFixture({ steps: [{ map: '{ "vars": $vars }' }], to: [target('crm')] });
    const flow = await runFlow(fixture, { x: 1 }, { 'x-a': '1' });
    expect(flow.seen()[0]).toMatchObject({ body: { vars: {} }, headers: { 'x-a': '1' } });
    const withVars = compileFixture({ steps: [{ setVars: { secret: '"s3"' } }], to: [target('crm')] });
    expect((await runFlow(withVars, { x: 1 })).seen()[0].headers).toEqual({});
  });

  it('reads the body only when one of its expressions does', () => {
    expect(compileFixture({ steps: [{ setVars: { p: "$headers.'x-p'" } }], to: [target('crm')] }).route.readsBody).toBe(false);
    expect(compileFixture({ steps: [{ setVars: { p: 'order.id' } }], to: [target('crm')] }).route.readsBody).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a JSONata syntax error', { steps: [{ setVars: { ok: '1', bad: '((' } }], to: [target('a')] }, 'steps.0.setVars.bad'],
    ['one in a target\'s steps', { to: [target('a', { steps: [{ setVars: { bad: '}{' } }] })] }, 'to.0.steps.0.setVars.bad'],
  ])('reports %s at the variable', (_name, raw, path) => {
    const result = compileProblems(raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((p) => p.path.join('.'))).toEqual([path]);
  });

  it('refuses a variable name that is not an identifier in the route schema', () => {
    const schema = routeSchemas(SPEC_CONNECTORS).route;
    const route = (vars: Record<string, string>) => ({ id: 'r', from: { http: { path: '/r' } }, steps: [{ setVars: vars }], to: [target('a')] });
    expect(schema.safeParse(route({ emailCount: '1', _x2: '2' })).success).toBe(true);
    const bad = schema.safeParse(route({ 'email-count': '1' }));
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('expected a variable name');
  });
});

describe('reply steps: $request, $requestHeaders and $vars', () => {
  it('see the caller\'s request, its headers and the variables of the copy that drew the reply', async () => {
    const fixture = compileFixture({
      mode: 'sync',
      steps: [{ setVars: { orderNo: 'Order.No' } }, { map: '{ "id": Order.No }' }],
      to: [target('erp')],
      reply: [
        { setVars: { status: 'status' } },
        { map: '{ "OrderNo": $request.Order.No, "Status": $vars.status, "Echo": $vars.orderNo, "Caller": $requestHeaders.\'x-caller\' }' },
      ],
    });
    const request = new Message('m-1', 'c-1', { kind: 'test', address: '/r' }, { 'x-caller': 'legacy' }, json({ Order: { No: 'L-7' } }), 0);
    const flow = new FlowRecorder(fixture.route.codec);
    await fixture.route.run(request, flow);
    const sent = flow.dispatches[0].message;
    const out = await fixture.route.transformReply(replyMessage(request, sent, {}, json({ status: 'ACCEPTED' })));
    expect(out.body.value()).toEqual({ OrderNo: 'L-7', Status: 'ACCEPTED', Echo: 'L-7', Caller: 'legacy' });
  });

  it('leave $request unbound in flow steps (it is a reply steps\' variable)', async () => {
    const fixture = compileFixture({ steps: [{ map: '{ "r": $request, "v": $vars }' }], to: [target('crm')] });
    expect((await runFlow(fixture, { a: 1 })).seen()[0].body).toEqual({ v: {} });
  });
});

describe('split: parts are messages of their own', () => {
  it('gives each part the id <parent>.<index>, the parent id, index and size as headers', async () => {
    const fixture = compileFixture({ steps: [{ split: { expr: 'items', to: [target('crm')] } }] });
    const flow = await runFlow(fixture, { items: [1, 2, 3] });
    expect(flow.dispatches.map((d) => d.message.id)).toEqual(['m-1.0', 'm-1.1', 'm-1.2']);
    expect(flow.dispatches.map((d) => d.message.journalId)).toEqual(['m-1', 'm-1', 'm-1']);
    expect(flow.dispatches.map((d) => d.message.correlationId)).toEqual(['c-1', 'c-1', 'c-1']);
    expect(flow.seen()[2].headers).toEqual({ 'x-parent-message-id': 'm-1', 'x-split-index': '2', 'x-split-size': '3' });
  });

  it('binds $messageId to the part\'s own id in the part\'s steps', async () => {
    const fixture = compileFixture({ steps: [{ split: { expr: 'items', steps: [{ map: '{ "id": $messageId }' }], to: [target('crm')] } }] });
    expect((await runFlow(fixture, { items: [1, 2] })).seen().map((d) => d.body)).toEqual([{ id: 'm-1.0' }, { id: 'm-1.1' }]);
  });

  it('nests ids: a part of a part is <parent>.<i>.<j>, its parent the outer part, its root the message', async () => {
    const fixture = compileFixture({
      steps: [{ split: { expr: 'orders', steps: [{ split: { expr: 'lines', to: [target('crm')] } }] } }],
    });
    const flow = await runFlow(fixture, { orders: [{ lines: ['a', 'b'] }, { lines: ['c'] }] });
    expect(flow.dispatches.map((d) => [d.message.id, d.message.part?.parentId, d.message.journalId])).toEqual([
      ['m-1.0.0', 'm-1.0', 'm-1'],
      ['m-1.0.1', 'm-1.0', 'm-1'],
      ['m-1.1.0', 'm-1.1', 'm-1'],
    ]);
    expect(flow.seen()[1].headers['x-parent-message-id']).toBe('m-1.0');
  });

  it('gives the same ids when the same message is split again (a re-routed message)', async () => {
    const fixture = compileFixture({ steps: [{ split: { expr: 'items', to: [target('crm')] } }] });
    const ids = async () => (await runFlow(fixture, { items: [1, 2] })).dispatches.map((d) => d.message.id);
    expect(await ids()).toEqual(await ids());
  });

  it('marks the copies of an ordered split as ordered, wire taps and copies after the split excepted', async () => {
    const fixture = compileFixture({
      steps: [
        { split: { expr: 'items', ordered: true, steps: [{ wireTap: target('audit') }], to: [target('crm'), target('erp')] } },
      ],
    });
    const flow = await runFlow(fixture, { items: [1, 2] });
    expect(flow.dispatches.map((d) => `${d.target.id}:${d.message.id}:${d.ordered === true}`)).toEqual([
      'audit:m-1.0:false',
      'crm:m-1.0:true',
      'erp:m-1.0:true',
      'audit:m-1.1:false',
      'crm:m-1.1:true',
      'erp:m-1.1:true',
    ]);
    const unordered = compileFixture({ steps: [{ split: { expr: 'items', to: [target('crm')] } }] });
    expect((await runFlow(unordered, { items: [1, 2] })).dispatches.every((d) => d.ordered === undefined)).toBe(true);
  });

  it('marks the copies made after the split (no `to`) as ordered too', async () => {
    const fixture = compileFixture({ steps: [{ split: { expr: 'items', ordered: true } }], to: [target('crm')] });
    const flow = await runFlow(fixture, { items: [1, 2, 3] });
    expect(flow.dispatches.map((d) => d.ordered)).toEqual([true, true, true]);
  });
});
