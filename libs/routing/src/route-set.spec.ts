import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProblem } from '@junction/config';
import { compileRouteDir, formatPath } from './route-set';
import { captureRegistry, SPEC_CONNECTORS } from './testing/route-fixtures';

/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in the fixture`);
  return index + 1;
}

const ORDERS = `routes:
  - id: orders
    from:
      http: { path: /orders }
    steps:
      - map: '$'
      - choice:
          when:
            - if: "total > 1000"
              to:
                - id: big
                  http: { url: "http://big.invalid/in" }
            - if: "total >"
              to:
                - id: small
                  http: { url: "http://small.invalid/in" }
    to:
      - id: main
        http: { url: "http://main.invalid/in" }
`;

const HEADERS = `routes:
  - id: headers
    from:
      http: { path: /headers }
    steps:
      - setHeaders:
          x.trace: { expr: "(" }
    to:
      - http: { url: "http://main.invalid/in" }
`;

const HEADER_TYPE = `routes:
  - id: header-type
    from:
      http: { path: /header-type }
    steps:
      - setHeaders:
          x.trace: 5
    to:
      - http: { url: "http://main.invalid/in" }
`;

const NO_TARGET = `# a route without any target
routes:
  - id: lonely
    from:
      http: { path: /lonely }
    steps:
      - map: '$'
`;

const GOOD = `routes:
  - id: good
    from:
      http: { path: /good }
    to:
      - http: { url: "http://good.invalid/in" }
  - id: also-good
    from:
      http: { path: /also }
    mode: sync
    to:
      - http: { url: "http://good.invalid/also" }
`;

const SCHEMA_ERROR = `routes:
  - id: typo
    from:
      http: { path: /typo }
    too:
      - http: { url: "http://good.invalid/in" }
`;

describe('compileRouteDir', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'junction-route-set-'));
    const files: Record<string, string> = {
      'a-orders.yaml': ORDERS,
      'b-headers.yaml': HEADERS,
      'b-header-type.yaml': HEADER_TYPE,
      'c-lonely.yaml': NO_TARGET,
      'd-good.yaml': GOOD,
      'e-typo.yaml': SCHEMA_ERROR,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(file(name), text);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const set = () => compileRouteDir(dir, {}, { connectors: SPEC_CONNECTORS, egress: captureRegistry() });

  it('reports a JSONata syntax error inside a choice at the line of its `if`', async () => {
    const problems = (await set()).problems.map(formatProblem).filter((p) => p.startsWith(file('a-orders.yaml')));
    expect(problems).toEqual([
      expect.stringMatching(
        new RegExp(`^${file('a-orders.yaml')}:${lineOf(ORDERS, 'if: "total >"')} routes\\[0\\]\\.steps\\[1\\]\\.choice\\.when\\[1\\]\\.if: JSONata syntax error at position \\d+`),
      ),
    ]);
    expect(lineOf(ORDERS, 'if: "total >"')).toBe(13);
  });

  it('reports a problem in an absent part of the route at the nearest line that exists', async () => {
    const problems = (await set()).problems.filter((p) => p.file === file('c-lonely.yaml'));
    expect(problems).toEqual([
      {
        file: file('c-lonely.yaml'),
        line: lineOf(NO_TARGET, '- id: lonely'),
        path: 'routes[0].to',
        message: 'a route needs a target: in to, in a choice branch, a split or a wire tap',
      },
    ]);
  });

  it('writes odd keys in a path as the loader does, so that one path has one spelling', async () => {
    const problems = (await set()).problems.filter((p) => p.file === file('b-headers.yaml'));
    expect(problems).toHaveLength(1);
    expect(problems[0].line).toBe(lineOf(HEADERS, 'x.trace'));
    expect(problems[0].path).toBe('routes[0].steps[0].setHeaders["x.trace"].expr');
    const fromLoader = (await set()).problems.filter((p) => p.file === file('b-header-type.yaml'));
    expect(fromLoader.map((p) => p.path)).toEqual(['routes[0].steps[0].setHeaders["x.trace"]']);
  });

  it('keeps the loader problems as they are', async () => {
    const problems = (await set()).problems.filter((p) => p.file === file('e-typo.yaml'));
    expect(problems.map((p) => [p.line, p.path])).toContainEqual([lineOf(SCHEMA_ERROR, 'too:'), 'routes[0]']);
  });

  it('compiles the files without problems; a file with any problem contributes no route', async () => {
    const result = await set();
    expect(result.routes.map((r) => r.id)).toEqual(['good', 'also-good']);
    expect(result.routes.map((r) => [r.file, r.mode])).toEqual([
      [file('d-good.yaml'), 'async'],
      [file('d-good.yaml'), 'sync'],
    ]);
    expect(new Set(result.problems.map((p) => p.file))).toEqual(
      new Set(['a-orders.yaml', 'b-header-type.yaml', 'b-headers.yaml', 'c-lonely.yaml', 'e-typo.yaml'].map(file)),
    );
  });

  it('reports a folder it cannot read', async () => {
    const result = await compileRouteDir(join(dir, 'missing'), {}, { connectors: SPEC_CONNECTORS, egress: captureRegistry() });
    expect(result.routes).toEqual([]);
    expect(result.problems.map(formatProblem)).toEqual([`${join(dir, 'missing')} cannot read the routes folder (ENOENT)`]);
  });
});

describe('formatPath', () => {
  it.each<[(string | number)[], string]>([
    [['routes', 0, 'to', 1, 'http', 'url'], 'routes[0].to[1].http.url'],
    [['routes', 2, 'steps', 0, 'choice', 'when', 1, 'if'], 'routes[2].steps[0].choice.when[1].if'],
    [['routes', 0, 'steps', 0, 'setHeaders', 'x-api-key', 'expr'], 'routes[0].steps[0].setHeaders.x-api-key.expr'],
    [['routes', 0, 'steps', 0, 'setHeaders', 'x.trace', 'expr'], 'routes[0].steps[0].setHeaders["x.trace"].expr'],
    [[], ''],
  ])('%j as %s', (path, shown) => {
    expect(formatPath(path)).toBe(shown);
  });
});
