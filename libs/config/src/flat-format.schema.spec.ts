import * as path from 'node:path';
import { loadRoutes } from './route-loader';
import { formatProblem } from './route-problem';
import { specSchemas } from '../../connectors/src/testing/spec-connectors';

describe('flat formats in route files', () => {
  it('reports each mistake at its line and path', () => {
    const problems = loadRoutes(path.join(__dirname, '..', 'test-fixtures', 'flat-format'), {}, specSchemas()).problems.map(formatProblem);
    expect(problems).toEqual(
      [
        '8 routes[0].steps[0].convert.from.csv.encoding: expected one of: utf8, utf-8, utf16le, latin1, iso-8859-1, iso-8859-15, windows-1252, cp1252, windows-1250, windows-1251, cp850, cp437, ascii',
        '12 routes[0].steps[1].convert.fixedWidth.fields: fields sku (1-6) and qty (5-8) overlap',
        '12 routes[0].steps[1].convert.fixedWidth.fields: columns 9-11 belong to no field (declare a filler: skip: true)',
        '16 routes[0].steps[2].convert.csv: to: csv needs its format under csv',
        '17 routes[0].steps[3].convert.from: expected one format, found csv and fixedWidth',
      ].map((p) => `libs/config/test-fixtures/flat-format/stock.yaml:${p}`),
    );
  });
});
