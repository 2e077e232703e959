import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRouteTests, type RouteTestRun } from './route-test-runner';
import { SPEC_CONNECTORS } from '../testing/route-fixtures';

const ROUTES = `routes:
  - id: lines
    from: { http: { path: /lines } }
    steps:
      - aggregate:
          correlation: orderId
          completion: { size: 3 }
          aggregate: '{ "orderId": $[0].orderId, "lines": $.line }'
      - setHeaders: { x-stage: after }
    to: [{ id: erp, http: { url: "http://127.0.0.1:1/erp" } }]
  - id: quiet
    from: { http: { path: /quiet } }
    steps:
      - aggregate:
          correlation: batch
          completion: { timeout: 30s, since: last }
    to: [{ id: sink, http: { url: "http://127.0.0.1:1/sink" } }]
  - id: sync-agg
    from: { http: { path: /sync } }
    mode: async
    steps:
      - split:
          expr: items
          steps:
            - aggregate:
                correlation: $headers.'x-parent-message-id'
                completion: { split: true }
                aggregate: '$sum($.qty)'
    to: [{ id: total, http: { url: "http://127.0.0.1:1/total" } }]
`;

const TESTS = `tests:
  - name: three lines of one order become one document
    route: lines
    inputs:
      - body: { orderId: A, line: 1 }
      - body: { orderId: B, line: 1 }
      - body: { orderId: A, line: 2 }
      - body: { orderId: A, line: 3 }
    expect:
      outcome: delivered
      deliveries:
        - target: erp
          count: 1
          headers: { x-stage: after, x-aggregate-parts: "3" }
          body: { orderId: A, lines: [1, 2, 3] }
  - name: an incomplete group is held
    route: lines
    inputs:
      - body: { orderId: C, line: 1 }
    expect:
      outcome: held
      notDelivered: [erp]
  - name: a quiet period completes what came in
    route: quiet
    inputs:
      - body: { batch: q, n: 1 }
      - body: { batch: q, n: 2 }
    expect:
      deliveries:
        - target: sink
          count: 1
          body: [{ n: 1 }, { n: 2 }]
  - name: split parts are put back together
    route: sync-agg
    input:
      body: { items: [{ qty: 2 }, { qty: 3 }, { qty: 4 }] }
    expect:
      deliveries:
        - target: total
          count: 1
          body: "9"
  - name: a wrong expectation fails
    route: lines
    inputs:
      - body: { orderId: D, line: 1 }
      - body: { orderId: D, line: 2 }
      - body: { orderId: D, line: 3 }
    expect:
      deliveries:
        - target: erp
          body: { lines: [3, 2, 1] }
`;

describe('route tests of an Aggregator: several inputs, one output', () => {
  let dir: string;
  let run: RouteTestRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'junction-agg-route-tests-'));
    writeFileSync(join(dir, 'routes.yaml'), ROUTES);
    writeFileSync(join(dir, 'lines.test.yaml'), TESTS);
    run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the aggregator cases', () => {
    expect(run.problems).toEqual([]);
    expect(run.results.map((r) => [r.name, r.failures.length])).toEqual([
      ['three lines of one order become one document', 0],
      ['an incomplete group is held', 0],
      ['a quiet period completes what came in', 0],
      ['split parts are put back together', 0],
      ['a wrong expectation fails', 1],
    ]);
  });

  it('refuses an aggregate step in a sync route, and a test with both input and inputs', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'junction-agg-route-tests-bad-'));
    try {
      writeFileSync(join(bad, 'routes.yaml'), ROUTES.replace('mode: async', 'mode: sync'));
      const refused = await runRouteTests(bad, {}, SPEC_CONNECTORS);
      expect(refused.problems).toEqual([
        expect.stringMatching(/routes\.yaml:\d+ routes\[2\]\.steps\[0\]\.split\.steps\[0\]\.aggregate: an aggregate step holds messages .* needs an async route/),
      ]);
      writeFileSync(join(bad, 'routes.yaml'), ROUTES);
      writeFileSync(join(bad, 'x.test.yaml'), 'tests:\n  - name: both\n    route: lines\n    input: { body: {} }\n    inputs: [{ body: {} }]\n    expect: { outcome: held }\n');
      const both = await runRouteTests(bad, {}, SPEC_CONNECTORS);
      expect(both.problems).toEqual([expect.stringMatching(/expected one of input or inputs/)]);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
