import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRouteTests } from './route-test-runner';
import { SPEC_CONNECTORS } from '../testing/route-fixtures';

/** `junction test` on a route that reads CSV and writes fixed width: flat bodies go in and come out as text. */
const ROUTES = `routes:
  - id: stock-to-orders
    from: { http: { path: /stock, text: true } }
    steps:
      - convert: { to: json, from: { csv: { columns: [sku, { name: qty, type: integer }], header: true } } }
      - map: '[$[qty < 10].{ "sku": sku, "reorder": 50 - qty }]'
      - convert:
          to: fixedWidth
          fixedWidth:
            fields:
              - { name: sku, start: 1, length: 8 }
              - { name: reorder, start: 9, length: 4, type: integer }
    to:
      - id: supplier
        http: { url: "http://127.0.0.1:1/supplier" }
`;

const TESTS = `tests:
  - name: SKUs under 10 are reordered up to 50, as fixed-width lines
    route: stock-to-orders
    input:
      contentType: text/csv
      body: "sku,qty\\nA-1,3\\nB-2,40\\nC-3,0\\n"
    expect:
      deliveries:
        - target: supplier
          body: "A-1     0047\\nC-3     0050\\n"
  - name: a malformed stock file is dead
    route: stock-to-orders
    input:
      contentType: text/csv
      body: "sku,qty\\nA-1,3\\nB-2\\n"
    expect:
      outcome: dead
      notDelivered: [supplier]
`;

describe('route tests of a flat-file route', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-flat-route-tests-'));
    writeFileSync(join(dir, 'stock.yaml'), ROUTES);
    writeFileSync(join(dir, 'stock.test.yaml'), TESTS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes both cases', async () => {
    const run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
    expect(run.problems).toEqual([]);
    expect(run.results.map((r) => [r.name, r.failures])).toEqual([
      ['SKUs under 10 are reordered up to 50, as fixed-width lines', []],
      ["a malformed stock file is dead", []],
    ]);
  });
});
