import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRouteTests, type RouteTestRun } from './route-test-runner';
import { SPEC_CONNECTORS } from '../testing/route-fixtures';

// Every target points at a port nothing listens on, or at a name that never resolves: a test that passes did not
// touch the network.
const ROUTES = `routes:
  - id: orders
    from:
      http: { path: /orders }
    steps:
      - filter: "total > 0"
      - wireTap:
          id: audit
          http: { url: "http://127.0.0.1:1/audit" }
      - choice:
          when:
            - if: "$headers.'x-priority' = 'high'"
              to:
                - id: express
                  http: { url: "http://127.0.0.1:1/express" }
      - setHeaders:
          x-source: web
    to:
      - id: crm
        http: { url: "http://127.0.0.1:1/crm", format: xml, xmlRoot: Order }
      - id: erp
        http: { url: "http://erp.invalid/orders" }
  - id: lines
    from:
      http: { path: /lines }
    steps:
      - split: { expr: lines }
    to:
      - id: line
        http: { url: "http://127.0.0.1:1/line" }
  - id: quote
    mode: sync
    from:
      http: { path: /quote }
    to:
      - id: pricing
        http: { url: "http://127.0.0.1:1/pricing" }
    reply:
      - map: '{"quote": $}'
      - setHeaders: { x-bus: junction }
`;

const TESTS = `tests:
  - name: an order goes to the CRM as XML and to the ERP as JSON
    route: orders
    input:
      body: { id: 1, total: 5 }
    expect:
      outcome: delivered
      deliveries:
        - target: crm
          headers: { X-Source: web }
          body: |
            <Order>
              <id>1</id>
              <total>5</total>
            </Order>
        - target: erp
          body: { id: 1 }
        - target: audit
          count: 1
      notDelivered: [express]

  - name: a priority order goes express only
    route: orders
    input:
      headers: { X-Priority: high }
      body: { id: 2, total: 5 }
    expect:
      deliveries:
        - target: express
          body: { id: 2 }
      notDelivered: [crm, erp]

  - name: an empty order is filtered
    route: orders
    input:
      body: { id: 3, total: 0 }
    expect:
      outcome: filtered
      notDelivered: [crm, erp, audit]

  - name: wrong body
    route: orders
    input:
      body: { id: 1, total: 5 }
    expect:
      deliveries:
        - target: erp
          body: { id: 2 }

  - name: wrong header
    route: orders
    input:
      body: { id: 1, total: 5 }
    expect:
      deliveries:
        - target: erp
          headers: { x-source: shop }

  - name: missing delivery
    route: orders
    input:
      body: { id: 1, total: 5 }
    expect:
      deliveries:
        - target: express

  - name: notDelivered violated
    route: orders
    input:
      body: { id: 1, total: 5 }
    expect:
      notDelivered: [erp]

  - name: outcome mismatch
    route: orders
    input:
      body: { id: 1, total: 0 }
    expect:
      outcome: delivered

  - name: a target answering 500 makes the message dead
    route: orders
    input:
      body: { id: 1, total: 5 }
    replies:
      erp: { status: 500, body: { error: down } }
    expect:
      outcome: dead

  - name: a target failing with no outcome expected
    route: orders
    input:
      body: { id: 1, total: 5 }
    replies:
      erp: { status: 503 }
    expect:
      deliveries:
        - target: crm

  - name: a failing wire tap does not affect the outcome
    route: orders
    input:
      body: { id: 1, total: 5 }
    replies:
      audit: { status: 500 }
    expect:
      outcome: delivered
      deliveries:
        - target: crm
        - target: erp

  - name: a failing target does not keep the others from being called
    route: orders
    input:
      body: { id: 1, total: 5 }
    replies:
      crm: { status: 500 }
    expect:
      outcome: dead
      deliveries:
        - target: erp

  - name: one delivery per part
    route: lines
    input:
      body: { lines: [{ sku: a }, { sku: b }] }
    expect:
      deliveries:
        - target: line
          count: 2
          body: { sku: b }

  - name: count mismatch
    route: lines
    input:
      body: { lines: [{ sku: a }, { sku: b }] }
    expect:
      deliveries:
        - target: line
          count: 3

  - name: malformed XML expectation
    route: orders
    input:
      body: { id: 1, total: 5 }
    expect:
      deliveries:
        - target: crm
          body: "<Order><id>1</Order>"

  - name: no such route
    route: nope
    input:
      body: {}
    expect:
      outcome: delivered
`;

const QUOTE_TESTS = `tests:
  - name: the reply goes through the reply steps
    route: quote
    input:
      body: { sku: a }
    replies:
      pricing: { status: 201, body: { amount: 12 } }
    expect:
      outcome: delivered
      deliveries:
        - target: pricing
          body: { sku: a }
      reply:
        status: 201
        headers: { X-Bus: junction }
        body: { quote: { amount: 12 } }

  - name: wrong reply body
    route: quote
    input:
      body: { sku: a }
    replies:
      pricing: { body: { amount: 12 } }
    expect:
      reply:
        body: { quote: { amount: 13 } }

  - name: wrong reply status
    route: quote
    input:
      body: { sku: a }
    expect:
      reply:
        status: 201

  - name: wrong reply header
    route: quote
    input:
      body: { sku: a }
    expect:
      reply:
        headers: { x-bus: other }

  - name: a canned reply keeps its content type
    route: quote
    input:
      body: { sku: a }
    replies:
      pricing: { body: "12", contentType: application/json }
    expect:
      reply:
        body: { quote: 12 }

  - name: a canned Content-Type header counts whatever its case
    route: quote
    input:
      body: { sku: a }
    replies:
      pricing: { body: "12", headers: { Content-Type: application/json } }
    expect:
      reply:
        body: { quote: 12 }

  - name: a canned 502 is dead and gives no reply
    route: quote
    input:
      body: { sku: a }
    replies:
      pricing: { status: 502 }
    expect:
      outcome: dead

  - name: a reply expected from a dead exchange
    route: quote
    input:
      body: { sku: a }
    replies:
      pricing: { status: 404 }
    expect:
      outcome: dead
      reply:
        status: 200
`;

describe('runRouteTests', () => {
  let dir: string;
  let run: RouteTestRun;
  let connect: jest.SpyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-route-tests-'));
    writeFileSync(join(dir, 'routes.yaml'), ROUTES);
    writeFileSync(join(dir, 'orders.test.yaml'), TESTS);
    writeFileSync(join(dir, 'quote.test.yml'), QUOTE_TESTS);
    connect = jest.spyOn(Socket.prototype, 'connect');
    run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
  });
  afterAll(() => {
    connect.mockRestore();
    rmSync(dir, { recursive: true, force: true });
  });

  const failuresOf = (name: string): readonly string[] => {
    const result = run.results.find((r) => r.name === name);
    if (!result) throw new Error(`no result for "${name}"`);
    return result.failures;
  };

  it('runs every case of every test file, in file order, without problems', () => {
    expect(run.problems).toEqual([]);
    expect(run.results).toHaveLength(24);
    expect(run.results[0]).toMatchObject({ file: join(dir, 'orders.test.yaml'), route: 'orders' });
    expect(run.results[16]).toMatchObject({ file: join(dir, 'quote.test.yml'), route: 'quote' });
  });

  it('touches no network: every target is captured', () => {
    expect(connect).not.toHaveBeenCalled();
  });

  it.each([
    'an order goes to the CRM as XML and to the ERP as JSON',
    'a priority order goes express only',
    'an empty order is filtered',
    'a target answering 500 makes the message dead',
    'one delivery per part',
    'the reply goes through the reply steps',
    'a canned 502 is dead and gives no reply',
  ])('passes: %s', (name) => {
    expect(failuresOf(name)).toEqual([]);
  });

  it.each<[string, string[]]>([
    ['wrong body', ['erp: $.id: expected 2, got 1']],
    ['wrong header', ['erp: headers.x-source: expected "shop", got "web"']],
    ['missing delivery', ['express: expected at least 1 deliveries, got 0']],
    ['notDelivered violated', ['erp: expected no delivery, got 1']],
    ['outcome mismatch', ['outcome: expected delivered, got filtered']],
    ['a target failing with no outcome expected', ['the message failed: erp: HTTP 503 (canned)']],
    ['count mismatch', ['line: expected 3 deliveries, got 2']],
    ['no such route', ['no route "nope"']],
    ['wrong reply body', ['reply $.quote.amount: expected 13, got 12']],
    ['wrong reply status', ['reply: expected status 201, got 200']],
    ['a reply expected from a dead exchange', ['reply: expected a reply, got none']],
  ])('fails: %s', (name, failures) => {
    expect(failuresOf(name)).toEqual(failures);
  });

  it('checks the headers of the reply', () => {
    expect(failuresOf('wrong reply header')).toEqual(['reply headers.x-bus: expected "other", got "junction"']);
  });

  it('answers with the content type a canned reply declares', () => {
    expect(failuresOf('a canned reply keeps its content type')).toEqual([]);
    expect(failuresOf('a canned Content-Type header counts whatever its case')).toEqual([]);
  });

  it('reports an expectation that is not well-formed XML as a failure of its own test', () => {
    expect(failuresOf('malformed XML expectation')).toEqual([expect.stringMatching(/^crm: body: cannot compare as XML: Malformed XML/)]);
  });

  it('delivers wire taps without letting their failure decide the outcome, as the bus does', () => {
    expect(failuresOf('a failing wire tap does not affect the outcome')).toEqual([]);
  });

  it('calls every target even when one fails, as the bus does', () => {
    expect(failuresOf('a failing target does not keep the others from being called')).toEqual([]);
  });
});

describe('runRouteTests with problems', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-route-tests-bad-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs no test when a route does not compile, and reports the problem with file and line', async () => {
    writeFileSync(join(dir, 'routes.yaml'), ROUTES.replace('"total > 0"', '"total >"'));
    writeFileSync(join(dir, 'orders.test.yaml'), TESTS);
    const run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
    expect(run.results).toEqual([]);
    expect(run.problems).toEqual([expect.stringMatching(/routes\.yaml:6 routes\[0\]\.steps\[0\]\.filter: JSONata syntax error/)]);
  });

  it('runs no test when a test file is invalid', async () => {
    writeFileSync(join(dir, 'routes.yaml'), ROUTES);
    writeFileSync(join(dir, 'orders.test.yaml'), 'tests:\n  - name: no expectations\n    route: orders\n    input: { body: {} }\n    expect: {}\n');
    const run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
    expect(run.results).toEqual([]);
    expect(run.problems).toEqual([expect.stringMatching(/orders\.test\.yaml:5 tests\[0\]\.expect: expected at least one of/)]);
  });

  it('interpolates ${ENV} in routes and tests', async () => {
    writeFileSync(join(dir, 'routes.yaml'), ROUTES.replace('x-source: web', 'x-source: ${SOURCE}'));
    writeFileSync(
      join(dir, 'env.test.yaml'),
      'tests:\n  - name: env\n    route: orders\n    input: { body: { id: 1, total: 1 } }\n    expect:\n      deliveries:\n        - target: erp\n          headers: { x-source: "${SOURCE}" }\n',
    );
    const run = await runRouteTests(dir, { SOURCE: 'kiosk' }, SPEC_CONNECTORS);
    expect(run.problems).toEqual([]);
    expect(run.results.map((r) => [r.name, r.failures])).toEqual([['env', []]]);
  });
});

describe('runRouteTests: idempotent routes', () => {
  let dir: string;
  let run: RouteTestRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-route-tests-idem-'));
    writeFileSync(
      join(dir, 'routes.yaml'),
      `routes:
  - id: idem
    from: { http: { path: /idem } }
    idempotent: { key: "$headers.'x-tenant' & '/' & order.id", retention: 1d }
    to: [{ id: sink, http: { url: "http://127.0.0.1:1/sink" } }]
  - id: idem-by-id
    from: { http: { path: /idem-by-id } }
    idempotent: { key: order.id }
    to: [{ id: sink, http: { url: "http://127.0.0.1:1/sink" } }]
  - id: plain
    from: { http: { path: /plain } }
    to: [{ id: sink, http: { url: "http://127.0.0.1:1/sink" } }]
`,
    );
    writeFileSync(
      join(dir, 'idem.test.yaml'),
      `tests:
  - name: the key of an order
    route: idem
    input: { headers: { X-Tenant: acme }, body: { order: { id: 7 } } }
    expect: { idempotencyKey: acme/7, deliveries: [{ target: sink }] }
  - name: a wrong key
    route: idem
    input: { headers: { X-Tenant: acme }, body: { order: { id: 7 } } }
    expect: { idempotencyKey: acme/8 }
  - name: no key refuses the message
    route: idem-by-id
    input: { body: { order: { number: 7 } } }
    expect: { outcome: dead, notDelivered: [sink] }
  - name: a key expected of a route without one
    route: plain
    input: { body: { a: 1 } }
    expect: { idempotencyKey: x }
`,
    );
    run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks the key a route takes a message under, and refuses a message without one', () => {
    expect(run.problems).toEqual([]);
    expect(Object.fromEntries(run.results.map((r) => [r.name, r.failures]))).toEqual({
      'the key of an order': [],
      'a wrong key': ['idempotencyKey: expected "acme/8", got "acme/7"'],
      'no key refuses the message': [],
      'a key expected of a route without one': ['idempotencyKey: the route is not idempotent'],
    });
  });
});
