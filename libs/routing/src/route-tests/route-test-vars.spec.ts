import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRouteTests, type RouteTestRun } from './route-test-runner';
import { SPEC_CONNECTORS } from '../testing/route-fixtures';

// Route variables, the request in reply steps and split parts, as `junction test` runs them (targets captured).
const ROUTES = `routes:
  - id: quote
    from: { http: { path: /quote } }
    mode: sync
    steps:
      - setVars: { sku: sku, qty: "$number(qty)" }
      - map: '{ "item": $vars.sku }'
    to:
      - id: pricing
        http: { url: "http://127.0.0.1:1/pricing", format: json }
        steps: [{ setHeaders: { x-qty: { expr: "$string($vars.qty)" } } }]
    reply:
      - map: '{ "sku": $request.sku, "total": price * $vars.qty, "caller": $requestHeaders.''x-caller'' }'
  - id: batch
    from: { http: { path: /batch } }
    steps:
      - split:
          expr: lines
          ordered: true
          steps: [{ map: '{ "sku": sku, "id": $messageId }' }]
          to: [{ id: line, http: { url: "http://127.0.0.1:1/line", format: json } }]
`;

const TESTS = `tests:
  - name: the reply carries the request's sku and a total from the variables
    route: quote
    input:
      headers: { x-caller: shop }
      body: { sku: A-1, qty: 3 }
    replies:
      pricing: { body: { price: 2.5 } }
    expect:
      deliveries:
        - target: pricing
          body: { item: A-1 }
          headers: { x-qty: "3" }
      reply:
        body: { sku: A-1, total: 7.5, caller: shop }

  - name: each part is a message of its own
    route: batch
    input:
      body: { lines: [{ sku: a }, { sku: b }] }
    expect:
      deliveries:
        - target: line
          count: 2
          headers: { x-split-index: "1", x-split-size: "2" }
`;

describe('runRouteTests: setVars, $request and split parts', () => {
  let dir: string;
  let run: RouteTestRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-route-test-vars-'));
    writeFileSync(join(dir, 'routes.yaml'), ROUTES);
    writeFileSync(join(dir, 'routes.test.yaml'), TESTS);
    run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes both cases', () => {
    expect(run.problems).toEqual([]);
    expect(run.results.map((r) => [r.name, r.failures])).toEqual([
      ['the reply carries the request\'s sku and a total from the variables', []],
      ['each part is a message of its own', []],
    ]);
  });
});
