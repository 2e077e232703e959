import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { copyWsdlFixtures, envelope, placeOrder, postSoap } from './support/soap';
import { getJson, post, startTestBus, type TestBus } from './support/test-bus';

/**
 * What the journal says of a sync exchange whose reply the caller never got (a SOAP response the WSDL cannot hold, an
 * HTTP reply header no response may carry, reply steps that fail), dead-letter replay answers, a reload refused for
 * an `xml.arrays` entry naming the root, and an XSLT step feeding a target whose `headers` set the content type.
 */
const ROUTES = `
routes:
  - id: soap-odd-reply
    from:
      soap: { path: /soap/odd, wsdl: wsdl/order-service.wsdl }
    mode: sync
    to: [{ id: odd-target, http: { url: "\${TARGET_URL}/odd", format: json } }]

  - id: soap-fine-reply
    from:
      soap: { path: /soap/fine, wsdl: wsdl/order-service.wsdl }
    mode: sync
    to: [{ id: fine-target, http: { url: "\${TARGET_URL}/fine", format: json } }]

  - id: soap-odd-ack
    from:
      soap: { path: /soap/odd-ack, wsdl: wsdl/order-service.wsdl, ack: '{ "first name": "Ada" }' }
    mode: async
    to: [{ id: never-target, http: { url: "\${TARGET_URL}/never" } }]

  - id: http-odd-header
    from:
      http: { path: /odd-header }
    mode: sync
    to: [{ id: header-target, http: { url: "\${TARGET_URL}/plain" } }]
    reply:
      - setHeaders: { x-note: { expr: "'snow \\u2603'" } }

  - id: http-reply-steps-fail
    from:
      http: { path: /reply-fails }
    mode: sync
    to: [{ id: reply-target, http: { url: "\${TARGET_URL}/plain" } }]
    reply:
      - map: "$error('the reply mapping refuses')"

  - id: xslt-orders
    from:
      http: { path: /xslt-orders }
    steps:
      - xslt: { stylesheet: maps/orders.xsl, params: { source: "$headers.'x-source'" } }
    to:
      - id: legacy-xml
        http: { url: "\${TARGET_URL}/legacy", headers: { content-type: "text/xml; charset=utf-8" } }
`;

const ORDERS_XSL = `<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:param name="source" select="'unknown'"/>
  <xsl:key name="bySku" match="line" use="@sku"/>
  <xsl:template match="/order">
    <LEGACY_ORDER NR="{@id}" FROM="{$source}">
      <xsl:for-each select="line[generate-id() = generate-id(key('bySku', @sku)[1])]">
        <xsl:sort select="@sku"/>
        <POS SKU="{@sku}" QTY="{sum(key('bySku', @sku)/@qty)}"/>
      </xsl:for-each>
    </LEGACY_ORDER>
  </xsl:template>
</xsl:stylesheet>`;

describe('sync journal, replay answers, reload of a bad route, XSLT step', () => {
  let target: TargetServer;
  let bus: TestBus;

  beforeAll(async () => {
    target = await startTargetServer({
      respond: (req) => {
        // A key that is no XML name: the PlaceOrder response cannot hold it.
        if (req.path === '/odd') return { body: { 'first name': 'Ada', OrderId: 'X' } };
        if (req.path === '/fine') return { body: { OrderId: 'F-1', Status: 'ACCEPTED', Total: 7 } };
        return { body: { ok: true } };
      },
    });
    bus = await startTestBus({ routes: {}, env: { TARGET_URL: target.url } });
    copyWsdlFixtures(bus.routesDir);
    mkdirSync(join(bus.routesDir, 'maps'));
    writeFileSync(join(bus.routesDir, 'maps', 'orders.xsl'), ORDERS_XSL);
    bus.writeRoute('routes.yaml', ROUTES);
    const reload = await post(`${bus.url}/admin/routes/reload`, {});
    expect(reload.json).toMatchObject({ ok: true, routes: 6 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
  });

  /** The journaled message, once its exchange is journaled. */
  async function journaled(id: string): Promise<any> {
    let message: any;
    await waitUntil(async () => (message = await getJson(`${bus.url}/admin/messages/${id}`)).status !== undefined, 20_000, `message ${id} journaled`);
    return message;
  }

  test('a SOAP response the WSDL cannot hold: a Server Fault, the message dead with the reason, the delivery delivered', async () => {
    const res = await postSoap(`${bus.url}/soap/odd`, '1.1', envelope('1.1', placeOrder('ODD-1')), 'http://example.com/orders/PlaceOrder');
    expect(res.status).toBe(500);
    expect(res.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(res.text).toContain('REPLY_UNWRITABLE');
    expect(res.messageId).toBeTruthy();
    expect(target.count('/odd')).toBe(1);

    const message = await journaled(res.messageId!);
    expect(message).toMatchObject({ status: 'dead', failure: { code: 'REPLY_UNWRITABLE' } });
    expect(message.failure.message).toContain('PlaceOrder');
    expect(message.deliveries).toEqual([expect.objectContaining({ targetId: 'odd-target', status: 'delivered' })]);

    const dead = await getJson(`${bus.url}/admin/messages?status=dead&route=soap-odd-reply`);
    const delivered = await getJson(`${bus.url}/admin/messages?status=delivered&route=soap-odd-reply`);
    expect(dead.map((m: { id: string }) => m.id)).toEqual([res.messageId]);
    expect(delivered).toEqual([]);
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=soap-odd-reply`);
    expect(letters).toEqual([expect.objectContaining({ messageId: res.messageId, reason: expect.objectContaining({ code: 'REPLY_UNWRITABLE' }) })]);
    console.log(`sync journal: SOAP caller got ${res.status}, message ${message.status}, ${message.deliveries.length} delivery delivered`);

    // The same service with a reply it can hold stays delivered.
    const fine = await postSoap(`${bus.url}/soap/fine`, '1.1', envelope('1.1', placeOrder('FINE-1')), 'http://example.com/orders/PlaceOrder');
    expect(fine.status).toBe(200);
    expect(fine.text).toContain('F-1</');
    expect(await journaled(fine.messageId!)).toMatchObject({ status: 'delivered' });
  });

  test('an async SOAP acknowledgement the response cannot hold: a Server Fault, the message dead, never delivered', async () => {
    const res = await postSoap(`${bus.url}/soap/odd-ack`, '1.1', envelope('1.1', placeOrder('ACK-1')), 'http://example.com/orders/PlaceOrder');
    expect(res.status).toBe(500);
    expect(res.text).toContain('<faultcode>soap:Server</faultcode>');
    expect(res.text).toContain('REPLY_UNWRITABLE');
    const message = await journaled(res.messageId!);
    expect(message).toMatchObject({ status: 'dead', failure: { code: 'REPLY_UNWRITABLE' }, deliveries: [] });
    expect(target.count('/never')).toBe(0);
  });

  test('an HTTP reply header no response may carry, and failing reply steps: an error, the message dead, the delivery delivered', async () => {
    const header = await post(`${bus.url}/odd-header`, { n: 1 });
    expect(header.status).toBe(500);
    expect(header.json).toMatchObject({ code: 'REPLY_UNWRITABLE', detail: expect.stringContaining('x-note') });
    const steps = await post(`${bus.url}/reply-fails`, { n: 2 });
    expect(steps.status).toBe(502);
    expect(steps.json).toMatchObject({ code: 'REPLY_FAILED' });

    for (const [res, code, targetId] of [
      [header, 'REPLY_UNWRITABLE', 'header-target'],
      [steps, 'REPLY_FAILED', 'reply-target'],
    ] as const) {
      const id = res.headers.get('x-message-id')!;
      const message = await journaled(id);
      expect(message).toMatchObject({ status: 'dead', failure: { code } });
      expect(message.deliveries).toEqual([expect.objectContaining({ targetId, status: 'delivered' })]);
    }
    expect(target.count('/plain')).toBe(2);
  });

  test('replaying an unknown dead letter answers 404, one replayed already 409, both as problems', async () => {
    const unknown = await post(`${bus.url}/admin/dead-letters/01900000-0000-7000-8000-000000000000/replay`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.json).toMatchObject({ status: 404, code: 'NOT_FOUND', title: 'Not Found' });

    const res = await post(`${bus.url}/odd-header`, { n: 3 });
    const id = res.headers.get('x-message-id')!;
    await journaled(id);
    const letters = await getJson(`${bus.url}/admin/dead-letters?route=http-odd-header&replayed=false`);
    const letter = letters.find((l: { messageId: string }) => l.messageId === id);
    expect(letter).toBeDefined();
    expect((await post(`${bus.url}/admin/dead-letters/${letter.id}/replay`, {})).status).toBe(202);
    const again = await post(`${bus.url}/admin/dead-letters/${letter.id}/replay`, {});
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ status: 409, code: 'CONFLICT', title: 'Conflict', detail: expect.stringContaining('nothing to replay') });
  });

  test('a reload with an xml.arrays entry naming the root, or a stylesheet including a URL, answers 422 with files and lines; the routes stay', async () => {
    bus.writeRoute(
      'bad-arrays.yaml',
      ['routes:', '  - id: bad-arrays', '    from: { http: { path: /bad-arrays } }', '    xml:', '      arrays: [Orders]', `    to: [{ http: { url: "${target.url}/x" } }]`, ''].join('\n'),
    );
    writeFileSync(
      join(bus.routesDir, 'maps', 'remote.xsl'),
      '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">\n  <xsl:include href="http://127.0.0.1:1/common.xsl"/>\n</xsl:stylesheet>',
    );
    bus.writeRoute(
      'bad-xslt.yaml',
      ['routes:', '  - id: bad-xslt', '    from: { http: { path: /bad-xslt } }', '    steps:', '      - xslt: maps/remote.xsl', `    to: [{ http: { url: "${target.url}/x" } }]`, ''].join('\n'),
    );
    try {
      const reload = await post(`${bus.url}/admin/routes/reload`, {});
      expect(reload.status).toBe(422);
      expect(reload.json.ok).toBe(false);
      const problems = JSON.stringify(reload.json.problems);
      expect(problems).toMatch(/bad-arrays\.yaml:5 routes\[0\]\.xml\.arrays\[0\]: expected a dotted path below the root element/);
      expect(problems).toMatch(/bad-xslt\.yaml:5 routes\[0\]\.steps\[0\]\.xslt: stylesheet maps\/remote\.xsl:2: xsl:include href=\\"http:\/\/127\.0\.0\.1:1\/common\.xsl\\" is refused/);
      console.log(`reload refused: ${reload.json.problems.length} located problems`);
    } finally {
      rmSync(join(bus.routesDir, 'bad-arrays.yaml'));
      rmSync(join(bus.routesDir, 'bad-xslt.yaml'));
    }
    expect((await post(`${bus.url}/admin/routes/reload`, {})).json).toMatchObject({ ok: true, routes: 6 });
  });

  test('an XSLT step maps the XML body; the target gets the content type its headers set', async () => {
    const order = '<order id="77"><line sku="B" qty="1"/><line sku="A" qty="2"/><line sku="B" qty="4"/></order>';
    const res = await post(`${bus.url}/xslt-orders`, order, { 'x-source': 'shop' });
    expect(res.status).toBe(202);
    const [got] = await target.waitFor(1, 20_000, '/legacy');
    expect(got!.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(got!.body).toBe('<LEGACY_ORDER NR="77" FROM="shop"><POS SKU="A" QTY="2"/><POS SKU="B" QTY="5"/></LEGACY_ORDER>');
    console.log(`xslt e2e: ${order.length} bytes in, ${got!.body.length} bytes to the target`);
  });
});
