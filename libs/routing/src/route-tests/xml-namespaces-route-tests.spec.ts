import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRouteTests } from './route-test-runner';
import { SPEC_CONNECTORS } from '../testing/route-fixtures';

/**
 * `junction test` on a route with XML namespaces: the route's prefixes in a predicate, an `arrays` path and a split
 * path, whatever prefix the sender used; split parts that are namespace-correct documents of their own (an XML
 * expectation is read with the route's prefixes, and a part without its declaration would not read); plain JSON
 * toward a `format: json` target.
 */
const ROUTES = `routes:
  - id: batches
    from: { http: { path: /batches } }
    xml:
      namespaces: { doc: "urn:acme:doc" }
      arrays: [doc:Batch.doc:Document]
    steps:
      - filter: "\`doc:Batch\`.\`doc:Kind\` = 'invoices'"
      - wireTap:
          id: summary
          http: { url: "http://127.0.0.1:1/summary", format: json }
      - split:
          path: doc:Batch.doc:Document
          to:
            - id: documents
              http: { url: "http://127.0.0.1:1/documents" }
`;

const batch = (open: string, p: string) =>
  `${open}<${p}Kind>invoices</${p}Kind><${p}Document><${p}Id>1</${p}Id></${p}Document><${p}Document><${p}Id>2</${p}Id></${p}Document>`;

const TESTS = `tests:
  - name: a batch in a default namespace is split into namespace-correct parts
    route: batches
    input:
      body: '${batch('<Batch xmlns="urn:acme:doc">', '')}</Batch>'
    expect:
      outcome: delivered
      deliveries:
        - target: documents
          count: 2
          body: '<x:Document xmlns:x="urn:acme:doc"><x:Id>2</x:Id></x:Document>'
        - target: summary
          body: { Batch: { Kind: invoices, Document: [{ Id: "1" }, { Id: "2" }] } }
  - name: the same batch under another prefix goes the same way
    route: batches
    input:
      body: '${batch('<b:Batch xmlns:b="urn:acme:doc">', 'b:')}</b:Batch>'
    expect:
      outcome: delivered
      deliveries:
        - target: documents
          count: 2
          body: '<Document xmlns="urn:acme:doc"><Id>2</Id></Document>'
  - name: a batch in another namespace is filtered
    route: batches
    input:
      body: '${batch('<Batch xmlns="urn:acme:other">', '')}</Batch>'
    expect:
      outcome: filtered
      notDelivered: [documents, summary]
`;

describe('route tests of a route with XML namespaces', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-ns-route-tests-'));
    writeFileSync(join(dir, 'batches.yaml'), ROUTES);
    writeFileSync(join(dir, 'batches.test.yaml'), TESTS);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every case', async () => {
    const run = await runRouteTests(dir, {}, SPEC_CONNECTORS);
    expect(run.problems).toEqual([]);
    expect(run.results.map((r) => [r.name, r.failures])).toEqual([
      ['a batch in a default namespace is split into namespace-correct parts', []],
      ['the same batch under another prefix goes the same way', []],
      ['a batch in another namespace is filtered', []],
    ]);
    console.log(`route tests with XML namespaces: ${run.results.filter((r) => r.failures.length === 0).length} of ${run.results.length} passed`);
  });
});
