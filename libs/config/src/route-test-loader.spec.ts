import * as path from 'node:path';
import { loadRoutes } from './route-loader';
import { formatProblem } from './route-problem';
import { routeTestProblems, loadRouteTests } from './route-test-loader';
import { specSchemas } from '../../connectors/src/testing/spec-connectors';

const FIXTURES = path.join(__dirname, '..', 'test-fixtures');
const DIR = path.join(FIXTURES, 'route-tests');

describe('loadRouteTests', () => {
  const load = loadRouteTests(DIR, { WHO: 'world' });

  it('loads the *.test.yaml files of the folder and its subfolders, not the route files', () => {
    expect(load.suites.map((s) => [s.file, s.baseDir, s.tests.length])).toEqual([
      ['libs/config/test-fixtures/route-tests/orders.test.yaml', DIR, 3],
    ]);
  });

  it('parses a test with its defaults applied', () => {
    const [big] = load.suites[0].tests;
    expect(big).toEqual({
      name: 'big orders also go to the ERP',
      route: 'web-orders',
      input: { headers: { 'x-priority': 'high' }, contentType: 'application/json', body: { order: { id: 1, total: 500 } } },
      replies: {
        crm: { status: 201, headers: {}, contentType: 'application/json', body: { crmId: 'C-1' } },
        erp: { status: 200, headers: {}, contentType: 'application/json', body: {} },
      },
      expect: {
        outcome: 'delivered',
        deliveries: [
          { target: 'crm', body: { customer: { id: '42' } }, headers: { 'x-source': 'web' }, count: 1 },
          { target: 'erp' },
        ],
        notDelivered: ['legacy'],
        reply: { status: 200, body: { ok: true } },
      },
    });
  });

  it('defaults the content type from the body: XML for a string starting with <, else text', () => {
    const [, xml, text] = load.suites[0].tests;
    expect(xml.route).toBe('soap-orders');
    expect(xml.input).toEqual({ headers: {}, contentType: 'application/xml', body: '<Order id="1"/>\n' });
    expect(xml.replies.legacy.contentType).toBe('application/xml');
    expect(text.input).toEqual({ headers: {}, contentType: 'text/plain', body: 'hello world' });
  });

  it('gives the line of a path in the file, for failure reports', () => {
    expect(load.suites[0].lineOf(['tests', 0, 'expect', 'deliveries', 1])).toBe(18);
    expect(load.suites[0].lineOf(['tests', 2])).toBe(32);
  });

  it('reports every problem of a bad test file with file:line path: message', () => {
    expect(load.problems.map(formatProblem)).toEqual(
      [
        '5 tests[0].expect: expected at least one of outcome, deliveries, notDelivered, reply, idempotencyKey',
        '6 tests[1].name: duplicate test name: tests[0] has the same',
        '8 tests[1].input: unknown key "header" (did you mean "headers"?)',
        '12 tests[1].expect.deliveries[0].count: expected a count of at least 1 (list the target under notDelivered for none)',
        '13 tests[1].expect.notDelivered[0]: also expected in deliveries[0]',
        '14 tests[2]: missing required key "route"',
        '15 tests[2].input.body: expected a string, a list or a mapping, got an integer',
        '16 tests[2].replies.crm.status: expected at least 100',
        '17 tests[2].expect.outcome: expected one of: delivered, filtered, dead, held',
      ].map((p) => `libs/config/test-fixtures/route-tests/sub/bad.test.yaml:${p}`),
    );
  });

  it('reports an unset variable like the route loader does', () => {
    const problems = loadRouteTests(DIR, {}).problems.map(formatProblem);
    expect(problems).toContain(
      'libs/config/test-fixtures/route-tests/orders.test.yaml:35 tests[2].input.body: environment variable WHO is not set (write ${WHO:-default} to give a default)',
    );
  });
});

describe('routeTestProblems', () => {
  it('reports each test whose route did not load', () => {
    const { suites } = loadRouteTests(DIR, { WHO: 'world' });
    const routes = loadRoutes(DIR, {}, specSchemas()).routes.map((r) => r.def.id);
    expect(routes).toEqual(['web-orders']);
    expect(routeTestProblems(suites, routes).map(formatProblem)).toEqual([
      'libs/config/test-fixtures/route-tests/orders.test.yaml:22 tests[1].route: no loaded route has this id',
    ]);
  });
});
