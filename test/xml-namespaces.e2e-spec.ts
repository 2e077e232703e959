import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTargetServer, waitUntil, type TargetServer } from '@junction/testing';
import { copyWsdlFixtures, envelope, ORDERS_NS, placeOrder, postSoap } from './support/soap';
import { post, startTestBus, type TestBus } from './support/test-bus';

/**
 * Route namespaces on a real bus with real HTTP targets: a route declares `xml.namespaces` and routes on
 * `doc:Document.doc:Type`; the same document sent with the route's prefix, another prefix and a default namespace
 * takes the same branch, over HTTP and from a folder. A `format: json` target receives plain JSON, one with
 * `style: lossless` the convention that expressions see.
 */
const DOC = 'urn:acme:doc';

const branches = (prefix: string) => `
    xml:
      namespaces: { doc: "${DOC}" }
      arrays: [doc:Document.doc:Line]
    steps:
      - choice:
          when:
            - if: "\`doc:Document\`.\`doc:Type\` = 'invoice'"
              to:
                - id: ${prefix}invoices
                  http: { url: "\${TARGET_URL}/${prefix}invoices", format: json }
                - id: ${prefix}invoices-lossless
                  http: { url: "\${TARGET_URL}/${prefix}invoices-lossless", format: json, style: lossless }
          otherwise:
            to: [{ id: ${prefix}others, http: { url: "\${TARGET_URL}/${prefix}others", format: json } }]
`;

const ROUTES = `
routes:
  - id: docs-http
    from: { http: { path: /docs } }
    mode: async
${branches('')}
  - id: docs-file
    from:
      file: { dir: "\${INBOX}", include: ['*.xml'], ready: rename, pollMs: 100 }
    mode: async
${branches('file-')}
`;

/** SOAP reaches the route through the same route codec: its payload read under the route's prefixes too. */
const SOAP_ROUTE = `
routes:
  - id: docs-soap
    from:
      soap:
        path: /soap/ns
        wsdl: wsdl/order-service.wsdl
        # The acknowledgement reads the request as the route does: under the route's prefixes.
        ack: '{ "OrderId": \`ord:PlaceOrder\`.\`ord:Order\`.\`ord:OrderId\`, "Status": "ACCEPTED", "Total": 0 }'
    mode: async
    xml:
      namespaces: { ord: "${ORDERS_NS}" }
    steps:
      - choice:
          when:
            - if: "\`ord:PlaceOrder\`.\`ord:Order\`.\`ord:CustomerId\` = 'C-1'"
              to: [{ id: soap-c1, http: { url: "\${TARGET_URL}/soap-c1", format: json } }]
          otherwise:
            to: [{ id: soap-others, http: { url: "\${TARGET_URL}/soap-others", format: json } }]
`;

/** One invoice as three senders write it: the route's prefix, another prefix, a default namespace. */
const spellings = (id: string, type = 'invoice'): Array<[string, string]> => [
  ['doc:', `<?xml version="1.0" encoding="UTF-8"?><doc:Document xmlns:doc="${DOC}"><doc:Id>${id}-1</doc:Id><doc:Type>${type}</doc:Type><doc:Line qty="2">A</doc:Line></doc:Document>`],
  ['x:', `<x:Document xmlns:x="${DOC}"><x:Id>${id}-2</x:Id><x:Type>${type}</x:Type><x:Line qty="2">A</x:Line></x:Document>`],
  ['default', `<Document xmlns="${DOC}"><Id>${id}-3</Id><Type>${type}</Type><Line qty="2">A</Line></Document>`],
];

describe('route XML namespaces and plain JSON on the real bus', () => {
  let target: TargetServer;
  let bus: TestBus;
  let inbox: string;

  beforeAll(async () => {
    inbox = mkdtempSync(join(tmpdir(), 'junction-ns-'));
    mkdirSync(inbox, { recursive: true });
    target = await startTargetServer();
    bus = await startTestBus({ routes: { 'docs.yaml': ROUTES }, env: { TARGET_URL: target.url, INBOX: inbox } });
    copyWsdlFixtures(bus.routesDir);
    bus.writeRoute('soap.yaml', SOAP_ROUTE);
    expect((await post(`${bus.url}/admin/routes/reload`, {})).json).toMatchObject({ ok: true, routes: 3 });
  });
  afterAll(async () => {
    await bus?.destroy();
    await target?.close();
    rmSync(inbox, { recursive: true, force: true });
  });

  const at = (path: string) => target.requests.filter((r) => r.path === path);
  const byId = (path: string) =>
    at(path)
      .map((r) => r.json as { Document: { Id: string } })
      .sort((a, b) => a.Document.Id.localeCompare(b.Document.Id));

  test('over HTTP, three sender spellings take the same branch; plain JSON and the lossless convention reach their targets', async () => {
    const sent = [...spellings('H'), ...spellings('Q', 'order').slice(1, 2)];
    const answers = await Promise.all(sent.map(([, xml]) => post(`${bus.url}/docs`, xml)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    await waitUntil(() => at('/invoices').length === 3 && at('/invoices-lossless').length === 3 && at('/others').length === 1, 30_000, 'every document delivered');

    // The invoices in plain JSON: no declaration, no prefixes, text-only elements as values, attributes as @ keys.
    expect(byId('/invoices')).toEqual(
      ['H-1', 'H-2', 'H-3'].map((id) => ({ Document: { Id: id, Type: 'invoice', Line: [{ '@qty': '2', '#text': 'A' }] } })),
    );
    // The same documents as the convention: the route's prefixes whatever the sender wrote.
    const lossless = at('/invoices-lossless').map((r) => r.json as Record<string, Record<string, unknown>>);
    for (const doc of lossless) {
      expect(Object.keys(doc).filter((k) => k !== '?xml')).toEqual(['doc:Document']);
      expect(doc['doc:Document']).toMatchObject({ '@xmlns:doc': DOC, 'doc:Type': 'invoice', 'doc:Line': [{ '@qty': '2', '#text': 'A' }] });
    }
    expect(lossless.map((d) => d['doc:Document']['doc:Id']).sort()).toEqual(['H-1', 'H-2', 'H-3']);
    expect(at('/others').map((r) => r.json)).toEqual([{ Document: { Id: 'Q-2', Type: 'order', Line: [{ '@qty': '2', '#text': 'A' }] } }]);
    console.log(
      `xml namespaces over HTTP: ${sent.length} documents in ${spellings('H').length} spellings, ${at('/invoices').length} plain + ` +
        `${at('/invoices-lossless').length} lossless to the invoice branch, ${at('/others').length} to otherwise`,
    );
  });

  test('from a folder, the same three spellings take the same branch', async () => {
    const files = [...spellings('F'), ...spellings('G', 'order').slice(2)];
    files.forEach(([, xml], i) => {
      writeFileSync(join(inbox, `doc-${i}.xml.tmp`), xml);
      renameSync(join(inbox, `doc-${i}.xml.tmp`), join(inbox, `doc-${i}.xml`));
    });
    await waitUntil(() => at('/file-invoices').length === 3 && at('/file-others').length === 1, 30_000, 'every file delivered');
    expect(byId('/file-invoices').map((d) => d.Document.Id)).toEqual(['F-1', 'F-2', 'F-3']);
    expect(at('/file-invoices-lossless')).toHaveLength(3);
    expect(byId('/file-others').map((d) => d.Document.Id)).toEqual(['G-3']);
    console.log(`xml namespaces from a folder: ${files.length} files, ${at('/file-invoices').length} to the invoice branch, ${at('/file-others').length} to otherwise`);
  });

  test('over SOAP, the payload in three spellings takes the same branch', async () => {
    const unprefixed = (xml: string) => xml.replace(`xmlns:o=`, 'xmlns=').replace(/<(\/?)o:/g, '<$1');
    const payloads = [placeOrder('S-1', 'C-1', 'ord'), placeOrder('S-2', 'C-1', 'o'), unprefixed(placeOrder('S-3', 'C-1', 'o')), placeOrder('S-4', 'C-9', 'p')];
    const answers = await Promise.all(payloads.map((p) => postSoap(`${bus.url}/soap/ns`, '1.1', envelope('1.1', p), 'http://example.com/orders/PlaceOrder')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    answers.forEach((a, i) => expect(a.text).toMatch(new RegExp(`OrderId>S-${i + 1}<`)));
    await waitUntil(() => at('/soap-c1').length === 3 && at('/soap-others').length === 1, 30_000, 'every SOAP call delivered');
    const ids = (path: string) => at(path).map((r) => (r.json as { PlaceOrder: { Order: { OrderId: string } } }).PlaceOrder.Order.OrderId).sort();
    expect(ids('/soap-c1')).toEqual(['S-1', 'S-2', 'S-3']);
    expect(ids('/soap-others')).toEqual(['S-4']);
    // Plain JSON: the route's prefix gone, values as strings.
    expect(at('/soap-others')[0].json).toEqual({
      PlaceOrder: { Order: { OrderId: 'S-4', CustomerId: 'C-9', Currency: 'EUR', Line: { Sku: 'S-1', Quantity: '2', UnitPrice: '3.50' } } },
    });
    console.log(`xml namespaces over SOAP: ${payloads.length} calls, ${at('/soap-c1').length} to the C-1 branch, ${at('/soap-others').length} to otherwise`);
  });
});
