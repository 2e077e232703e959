import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadRoutes, type LoadedRoute } from './route-loader';
import { specSchemas } from '../../connectors/src/testing/spec-connectors';

/** A source's or target's HTTP config, as the specs read it. */
const http = (def: { readonly [kind: string]: unknown }) => def.http as Record<string, unknown> | undefined;

const FIXTURES = path.join(__dirname, '..', 'test-fixtures');
const SECRET = 'k3y-Never-Shown';
const ENV = { CRM_API_KEY: SECRET, ERP_TENANT: 'acme' };

/** 1-based line of the first line of a fixture that contains `needle`. */
function lineOf(file: string, needle: string): number {
  const index = readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}

function route(routes: LoadedRoute[], id: string): LoadedRoute {
  const found = routes.find((r) => r.def.id === id);
  if (!found) throw new Error(`no route ${id}`);
  return found;
}

describe('loadRoutes over a valid folder', () => {
  const load = loadRoutes(path.join(FIXTURES, 'valid'), ENV, specSchemas());

  it('loads every route file of the folder and its subfolders in sorted order, with no problems', () => {
    expect(load.problems).toEqual([]);
    expect(load.routes.map((r) => [r.file, r.index, r.def.id])).toEqual([
      ['libs/config/test-fixtures/valid/nested/legacy.yml', 0, 'legacy-feed'],
      ['libs/config/test-fixtures/valid/orders.yaml', 0, 'web-orders'],
      ['libs/config/test-fixtures/valid/orders.yaml', 1, 'stock-updates'],
    ]);
  });

  it('skips route test files, wsdl/ and schemas/ folders and hidden folders (all hold invalid route files)', () => {
    const files = new Set(load.routes.map((r) => r.file));
    expect([...files].some((f) => /test\.yaml|wsdl|schemas|drafts/.test(f))).toBe(false);
    expect(load.problems).toEqual([]);
  });

  it('gives the absolute folder of each file for resolving schema paths', () => {
    expect(route(load.routes, 'legacy-feed').baseDir).toBe(path.join(FIXTURES, 'valid', 'nested'));
    expect(route(load.routes, 'web-orders').baseDir).toBe(path.join(FIXTURES, 'valid'));
  });

  it('applies schema defaults', () => {
    const r = route(load.routes, 'web-orders').def;
    expect(r.mode).toBe('async');
    expect(http(r.to[0])?.method).toBe('POST');
    expect(http(r.to[0])?.format).toBe('asis');
    expect(http(route(load.routes, 'stock-updates').def.from)?.method).toEqual(['POST', 'PUT']);
  });

  it('interpolates ${VAR}, ${VAR:-default} (whole and embedded) and $${ before validating', () => {
    const r = route(load.routes, 'web-orders').def;
    expect(http(r.to[0])?.url).toBe('http://localhost:4010/orders');
    expect(http(r.to[1])?.url).toBe('http://erp.local/api/v1/orders/acme');
    expect(http(r.to[0])?.headers).toEqual({ 'x-note': 'literal ${NOT_A_VAR} and $$ stay' });
    expect(r.steps[2].setHeaders).toEqual({ 'x-api-key': SECRET, 'x-source': 'web' });
  });

  it('reads a single placeholder as the number or boolean the schema wants, quoted or not', () => {
    expect(http(route(load.routes, 'web-orders').def.to[0])?.timeoutMs).toBe(5000);
    const stock = route(load.routes, 'stock-updates').def.to[0];
    expect(http(stock)?.timeoutMs).toBe(2000);
    expect(stock.reply).toBe(true);
    const overridden = loadRoutes(path.join(FIXTURES, 'valid'), { ...ENV, CRM_TIMEOUT_MS: '750', STOCK_REPLY: 'false' }, specSchemas());
    expect(http(route(overridden.routes, 'web-orders').def.to[0])?.timeoutMs).toBe(750);
    expect(route(overridden.routes, 'stock-updates').def.to[0].reply).toBe(false);
  });

  it('keeps the route as written for display: placeholders, not values, and no defaults', () => {
    const display = route(load.routes, 'web-orders').display as {
      steps: { setHeaders?: Record<string, string> }[];
      to: { http: { url: string } }[];
      mode?: string;
    };
    expect(display.steps[2].setHeaders?.['x-api-key']).toBe('${CRM_API_KEY}');
    expect(display.to[0].http.url).toBe('${CRM_URL:-http://localhost:4010}/orders');
    expect(display.mode).toBeUndefined();
    expect(JSON.stringify(load.routes.map((r) => r.display))).not.toContain(SECRET);
  });

  it('finds the line of a path inside a route, or of its nearest existing ancestor', () => {
    const web = route(load.routes, 'web-orders');
    expect(web.lineOf([])).toBe(lineOf('valid/orders.yaml', 'id: web-orders'));
    expect(web.lineOf(['steps', 1, 'map'])).toBe(lineOf('valid/orders.yaml', '- map:'));
    expect(web.lineOf(['to', 0, 'http', 'url'])).toBe(lineOf('valid/orders.yaml', 'url: ${CRM_URL'));
    expect(web.lineOf(['to', 1, 'http', 'url'])).toBe(lineOf('valid/orders.yaml', 'http://erp.local'));
    expect(web.lineOf(['to', 1, 'http', 'nothing', 'here'])).toBe(lineOf('valid/orders.yaml', 'http://erp.local'));
    const stock = route(load.routes, 'stock-updates');
    expect(stock.lineOf(['from', 'http', 'method', 1])).toBe(lineOf('valid/orders.yaml', 'path: /stock'));
  });
});

describe('loadRoutes over a temporary folder', () => {
  let dir: string;
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  const routeFile = (id: string, p: string) =>
    `routes:\n  - id: ${id}\n    from: { http: { path: ${p} } }\n    to: [ { http: { url: "http://t.local${p}" } } ]\n`;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'junction-routes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('shows files outside the working folder by their absolute path', () => {
    write('a.yaml', 'routes: []\n');
    const load = loadRoutes(dir, {}, specSchemas());
    expect(load.problems.map((p) => [p.file, p.line, p.path, p.message])).toEqual([
      [path.join(dir, 'a.yaml'), 1, 'routes', 'expected at least one item'],
    ]);
  });

  it('follows symbolic links and skips hidden entries, as in a Kubernetes ConfigMap volume', () => {
    write('..2024_01_01/orders.yaml', routeFile('orders', '/orders'));
    symlinkSync('..2024_01_01', path.join(dir, '..data'));
    symlinkSync(path.join('..data', 'orders.yaml'), path.join(dir, 'orders.yaml'));
    symlinkSync('missing.yaml', path.join(dir, 'dangling.yaml'));
    const load = loadRoutes(dir, {}, specSchemas());
    expect(load.problems).toEqual([]);
    expect(load.routes.map((r) => [r.file, r.def.id])).toEqual([[path.join(dir, 'orders.yaml'), 'orders']]);
  });

  it('reads a folder reached twice through links only once', () => {
    write('real/orders.yaml', routeFile('orders', '/orders'));
    symlinkSync('real', path.join(dir, 'alias'));
    const load = loadRoutes(dir, {}, specSchemas());
    expect(load.problems).toEqual([]);
    expect(load.routes.map((r) => r.def.id)).toEqual(['orders']);
  });

  it('orders files by path, not by the order the file system lists them', () => {
    write('b/z.yaml', routeFile('bz', '/bz'));
    write('a.yml', routeFile('a', '/a'));
    write('b.yaml', routeFile('b', '/b'));
    write('B.yaml', routeFile('upper-b', '/upper-b'));
    expect(loadRoutes(dir, {}, specSchemas()).routes.map((r) => r.def.id)).toEqual(['upper-b', 'a', 'b', 'bz']);
  });

  it('accepts YAML anchors and merge keys inside routes, not as extra top-level keys', () => {
    write(
      'merge.yaml',
      [
        'x-retry: &retry { attempts: 3, backoffMs: 100 }',
        'routes:',
        '  - id: merged',
        '    from: { http: { path: /m } }',
        '    to:',
        '      - http: { url: "http://t.local/m" }',
        '        retry: { <<: *retry, attempts: 7 }',
        '',
      ].join('\n'),
    );
    const load = loadRoutes(dir, {}, specSchemas());
    // top-level keys other than `routes` are rejected: anchors live in the routes themselves
    expect(load.problems.map((p) => p.message)).toEqual(['unknown key "x-retry"']);
    write(
      'merge.yaml',
      [
        'routes:',
        '  - id: merged',
        '    from: { http: { path: /m } }',
        '    to:',
        '      - http: { url: "http://t.local/m" }',
        '        retry: &retry { attempts: 3, backoffMs: 100 }',
        '      - http: { url: "http://t.local/n" }',
        '        retry: { <<: *retry, attempts: 7 }',
        '',
      ].join('\n'),
    );
    const merged = loadRoutes(dir, {}, specSchemas());
    expect(merged.problems).toEqual([]);
    expect(merged.routes[0].def.to.map((t) => t.retry)).toEqual([
      { attempts: 3, backoffMs: 100, maxBackoffMs: 60000 },
      { attempts: 7, backoffMs: 100, maxBackoffMs: 60000 },
    ]);
  });

  it("reads a route's retention age as a duration of at least a second, and names a bad one at its line", () => {
    const withRetention = (age: string) => routeFile('kept', '/kept').replace('    to:', `    retention: { age: ${age} }\n    to:`);
    write('a.yaml', withRetention('36h'));
    const load = loadRoutes(dir, {}, specSchemas());
    expect(load.problems).toEqual([]);
    expect(load.routes[0].def.retention).toEqual({ age: '36h' });
    for (const bad of ['"1 day"', '500ms']) {
      write('a.yaml', withRetention(bad));
      expect(loadRoutes(dir, {}, specSchemas()).problems.map((p) => [p.line, p.path, p.message])).toEqual([
        [4, 'routes[0].retention.age', 'expected a duration such as 90s, 12h or 7d (at least 1s)'],
      ]);
    }
  });

  it('reports a folder that cannot be read instead of throwing', () => {
    const load = loadRoutes(path.join(dir, 'nope'), {}, specSchemas());
    expect(load.routes).toEqual([]);
    expect(load.problems).toEqual([{ file: path.join(dir, 'nope'), line: 0, path: '', message: 'cannot read the routes folder (ENOENT)' }]);
  });
});
