import * as path from 'node:path';
import { displayFile, formatPath, formatProblem } from './route-problem';

describe('formatProblem', () => {
  it('writes file:line path: message', () => {
    const p = { file: 'routes/orders.yaml', line: 14, path: 'routes[0].to[1].http.url', message: 'expected a URL' };
    expect(formatProblem(p)).toBe('routes/orders.yaml:14 routes[0].to[1].http.url: expected a URL');
  });

  it('leaves out an empty path and a line of 0', () => {
    expect(formatProblem({ file: 'routes/a.yaml', line: 1, path: '', message: 'YAML syntax error: x' })).toBe(
      'routes/a.yaml:1 YAML syntax error: x',
    );
    expect(formatProblem({ file: 'routes', line: 0, path: '', message: 'cannot read the routes folder (ENOENT)' })).toBe(
      'routes cannot read the routes folder (ENOENT)',
    );
  });
});

describe('formatPath', () => {
  it.each([
    [['routes', 0, 'to', 1, 'http', 'url'], 'routes[0].to[1].http.url'],
    [['routes', 0, 'steps', 2, 'setHeaders', 'x-source'], 'routes[0].steps[2].setHeaders.x-source'],
    [['routes', 0, 'steps', 2, 'setHeaders', 'bad header'], 'routes[0].steps[2].setHeaders["bad header"]'],
    [[], ''],
  ])('%j -> %s', (parts, expected) => {
    expect(formatPath(parts)).toBe(expected);
  });
});

describe('displayFile', () => {
  it('is relative to the working folder when inside it, with / separators', () => {
    expect(displayFile(path.join('/srv/app', 'routes', 'orders.yaml'), '/srv/app')).toBe('routes/orders.yaml');
  });

  it('stays absolute outside the working folder', () => {
    expect(displayFile('/etc/junction/routes/orders.yaml', '/srv/app')).toBe('/etc/junction/routes/orders.yaml');
  });
});
