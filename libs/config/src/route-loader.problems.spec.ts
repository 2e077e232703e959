import * as path from 'node:path';
import { loadRoutes } from './route-loader';
import { formatProblem } from './route-problem';
import { specSchemas } from '../../connectors/src/testing/spec-connectors';

const FIXTURES = path.join(__dirname, '..', 'test-fixtures');

/** Every problem of a fixture folder, formatted; paths are relative to the repository root, where jest runs. */
function problems(folder: string, env: Record<string, string> = {}): string[] {
  return loadRoutes(path.join(FIXTURES, folder), env, specSchemas()).problems.map(formatProblem);
}

describe('route file problems', () => {
  it('reports a misspelt key at its own line, with a suggestion, and nothing else', () => {
    expect(problems('misspelled')).toEqual([
      'libs/config/test-fixtures/misspelled/orders.yaml:6 routes[0].steps[0]: unknown key "mpa" (did you mean "map"?)',
    ]);
  });

  it('reports an xml.arrays entry naming the root element at its line', () => {
    expect(problems('xml-arrays-root')).toEqual([
      'libs/config/test-fixtures/xml-arrays-root/orders.yaml:8 routes[0].xml.arrays[1]: expected a dotted path below the root element, such as Orders.Order: the root element cannot be a list',
    ]);
  });

  it('reports bad XML namespace prefixes and a bad JSON style at their lines', () => {
    expect(problems('xml-namespaces')).toEqual(
      [
        '6 routes[0].xml.namespaces["a:b"]: expected an XML namespace prefix (a name without a colon)',
        '7 routes[0].xml.namespaces.xmlns: the prefixes xml and xmlns are reserved',
        '8 routes[0].xml.namespaces.empty: expected a namespace URI',
        '9 routes[0].to[0].http.style: expected one of: plain, lossless',
        '15 routes[1].xml.namespaces.again: namespace urn:acme:doc already has the prefix doc',
      ].map((p) => `libs/config/test-fixtures/xml-namespaces/docs.yaml:${p}`),
    );
  });

  it('reports a bad URL at its line', () => {
    expect(problems('bad-url')).toEqual(['libs/config/test-fixtures/bad-url/orders.yaml:8 routes[0].to[1].http.url: expected a URL']);
  });

  it('reports every schema violation of a file, not just the first, in line order and plain words', () => {
    expect(problems('many-errors')).toEqual(
      [
        '4 routes[0].from.http.path: expected an absolute URL path',
        '4 routes[0].from.http.method: expected GET, POST, PUT, PATCH or DELETE, or a list',
        '5 routes[0].mode: expected one of: sync, async',
        '7 routes[0].steps[0]: expected one step kind, found map and filter',
        '9 routes[0].steps[1].setHeaders.x-a: expected a string or a mapping, got an integer',
        '9 routes[0].steps[1].setHeaders["bad header"]: expected an HTTP header name',
        '10 routes[0].steps[2].split.steps[0].convert.to: expected one of: json, xml, csv, fixedWidth',
        '12 routes[0].to[0].http.timeoutMs: expected at least 1',
        '13 routes[0].to[1]: expected one target kind: http, soap, kafka, sql, file, sftp, ftp',
        '14 routes[1]: missing required key "id"',
        '15 routes[1].to[0].http.method: expected one of: GET, POST, PUT, PATCH, DELETE',
        '15 routes[1].to[0].http: unknown key "urll" (did you mean "url"?)',
      ].map((p) => `libs/config/test-fixtures/many-errors/orders.yaml:${p}`),
    );
  });

  it('reports a duplicate route id across files at the second, naming the first; that file loads no route', () => {
    const load = loadRoutes(path.join(FIXTURES, 'duplicate-id'), {}, specSchemas());
    expect(load.problems.map(formatProblem)).toEqual([
      'libs/config/test-fixtures/duplicate-id/b.yaml:7 routes[1].id: duplicate route id "orders": first defined at libs/config/test-fixtures/duplicate-id/a.yaml:2',
    ]);
    expect(load.routes.map((r) => [r.file, r.def.id])).toEqual([['libs/config/test-fixtures/duplicate-id/a.yaml', 'orders']]);
  });

  it('reports a duplicate ingress address across files at the second, naming the first', () => {
    const load = loadRoutes(path.join(FIXTURES, 'duplicate-path'), {}, specSchemas());
    expect(load.problems.map(formatProblem)).toEqual([
      'libs/config/test-fixtures/duplicate-path/b.yaml:3 routes[0].from: ingress "http POST /orders" is already taken by route "one" at libs/config/test-fixtures/duplicate-path/a.yaml:3',
    ]);
    expect(load.routes.map((r) => r.def.id)).toEqual(['one']);
  });

  it('reports a missing environment variable at the line that uses it, without the echo of a URL error', () => {
    expect(problems('missing-env')).toEqual([
      'libs/config/test-fixtures/missing-env/orders.yaml:7 routes[0].to[0].http.url: environment variable CRM_URL is not set (write ${CRM_URL:-default} to give a default)',
      'libs/config/test-fixtures/missing-env/orders.yaml:9 routes[0].to[0].http.headers.authorization: environment variable CRM_TOKEN is not set (write ${CRM_TOKEN:-default} to give a default)',
    ]);
  });

  it('still reports the other problems of a route with a missing variable', () => {
    expect(problems('missing-env-and-id')).toEqual([
      'libs/config/test-fixtures/missing-env-and-id/orders.yaml:2 routes[0]: missing required key "id"',
      'libs/config/test-fixtures/missing-env-and-id/orders.yaml:5 routes[0].to[0].http.url: environment variable CRM_URL is not set (write ${CRM_URL:-default} to give a default)',
    ]);
  });

  it('takes a variable set to the empty string as set', () => {
    const load = loadRoutes(path.join(FIXTURES, 'missing-env'), { CRM_URL: 'http://crm.local', CRM_TOKEN: '' }, specSchemas());
    expect(load.problems).toEqual([]);
    expect(load.routes[0].def.to[0].http).toMatchObject({ url: 'http://crm.local/orders', headers: { authorization: 'Bearer ' } });
  });

  it('reports a YAML syntax error with its line; the other files still load', () => {
    const load = loadRoutes(path.join(FIXTURES, 'yaml-syntax'), {}, specSchemas());
    expect(load.problems.map(formatProblem)).toEqual([
      'libs/config/test-fixtures/yaml-syntax/bad.yaml:5 YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
    expect(load.routes.map((r) => r.def.id)).toEqual(['good']);
  });

  it('reports a second YAML document in a file', () => {
    expect(problems('two-documents')).toEqual([
      'libs/config/test-fixtures/two-documents/orders.yaml:5 YAML syntax error: one document per file (no second ---)',
    ]);
  });

  it('reports a file that is not a mapping with a routes list', () => {
    expect(problems('not-a-mapping')).toEqual([
      'libs/config/test-fixtures/not-a-mapping/empty.yaml:1 expected a mapping with a "routes" list',
      'libs/config/test-fixtures/not-a-mapping/list.yaml:1 expected a mapping with a "routes" list',
      'libs/config/test-fixtures/not-a-mapping/typo.yaml:1 missing required key "routes"',
      'libs/config/test-fixtures/not-a-mapping/typo.yaml:1 unknown key "rotues" (did you mean "routes"?)',
    ]);
  });
});

describe('secrets in problems', () => {
  const env = {
    SECRET_ROUTE_ID: 'hunter2-id',
    SECRET_PATH: '/hunter2-path',
    SECRET_NUMBER: '4242424242',
    SECRET_TOKEN: 'hunter2-token',
    SECRET_URL: 'hunter2-url',
  };
  const load = loadRoutes(path.join(FIXTURES, 'secret'), env, specSchemas());
  const text = load.problems.map(formatProblem);

  it('never puts an interpolated value into a problem', () => {
    expect(text.length).toBeGreaterThan(0);
    for (const value of Object.values(env)) {
      for (const line of text) expect(line).not.toContain(value);
    }
  });

  it('names duplicates by their placeholders when they were interpolated', () => {
    expect(text).toEqual(
      expect.arrayContaining([
        'libs/config/test-fixtures/secret/b.yaml:2 routes[0].id: duplicate route id "${SECRET_ROUTE_ID}": first defined at libs/config/test-fixtures/secret/a.yaml:2',
        'libs/config/test-fixtures/secret/b.yaml:3 routes[0].from: ingress "http POST ${SECRET_PATH}" is already taken by route "${SECRET_ROUTE_ID}" at libs/config/test-fixtures/secret/a.yaml:3',
      ]),
    );
  });

  it('still says what is wrong with a value that came from the environment', () => {
    expect(text.filter((t) => t.includes('/c.yaml:'))).toEqual(
      [
        '7 routes[0].steps[1].convert.to: expected one of: json, xml, csv, fixedWidth',
        '10 routes[0].to[0].http.url: expected a URL',
        '11 routes[0].to[0].http.timeoutMs: expected a number, got a string',
        '12 routes[0].to[0].http.method: expected one of: GET, POST, PUT, PATCH, DELETE',
        '14 routes[0].to[0].retry.attempts: expected at most 100',
      ].map((p) => `libs/config/test-fixtures/secret/c.yaml:${p}`),
    );
  });

  it('explains the YAML error of an unquoted placeholder inside a flow mapping', () => {
    const dir = path.join(FIXTURES, 'flow-placeholder');
    expect(loadRoutes(dir, env, specSchemas()).problems.map(formatProblem)).toEqual([
      'libs/config/test-fixtures/flow-placeholder/orders.yaml:7 YAML syntax error: Unexpected flow-map-start at node end (inside { } or [ ], quote a value that holds ${...})',
    ]);
  });
});
