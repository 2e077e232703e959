import * as path from 'node:path';
import { errorCode, listConfigFiles } from './config-files';
import type { Env } from './env-interpolation';
import { displayFile, type DefPath, type RouteProblem } from './route-problem';
import { RouteTestFileSchema, type RouteTestDef } from './route-test.schema';
import { readConfigFile } from './yaml-config-file';

/** The tests of one `*.test.yaml` file. */
export interface RouteTestSuite {
  /** The file, relative to the working folder when inside it (as in problems). */
  readonly file: string;
  /** Absolute folder of the file. */
  readonly baseDir: string;
  readonly tests: RouteTestDef[];
  /** Line of a path from the top of the file, e.g. `['tests', 0, 'expect', 'deliveries', 1]`, for failure reports. */
  lineOf(path: DefPath): number;
}

export interface RouteTestLoad {
  readonly suites: RouteTestSuite[];
  readonly problems: RouteProblem[];
}

/**
 * Loads every route test file (`*.test.yaml`, `*.test.yml`) of `dir` and its subfolders, skipping the same folders as
 * `loadRoutes`, in a stable order, with `${ENV}` interpolation. A file with problems contributes no suite. Never throws.
 * Whether each test's route exists is checked by `routeTestProblems`, once the routes are loaded.
 */
export function loadRouteTests(dir: string, env: Env): RouteTestLoad {
  let files: string[];
  try {
    files = listConfigFiles(dir, 'tests');
  } catch (err) {
    const problem = { file: displayFile(path.resolve(dir)), line: 0, path: '', message: `cannot read the routes folder (${errorCode(err)})` };
    return { suites: [], problems: [problem] };
  }
  const suites: RouteTestSuite[] = [];
  const problems: RouteProblem[] = [];
  for (const absolute of files) {
    const file = displayFile(absolute);
    const read = readConfigFile(absolute, file, env, { schema: RouteTestFileSchema, expected: 'a mapping with a "tests" list' });
    if (!read.ok) problems.push(...read.problems);
    else suites.push({ file, baseDir: path.dirname(absolute), tests: read.data.tests, lineOf: read.lineOf });
  }
  return { suites, problems };
}

/** A problem for each test whose `route` is not among `routeIds` (the ids of the routes that loaded). */
export function routeTestProblems(suites: readonly RouteTestSuite[], routeIds: Iterable<string>): RouteProblem[] {
  const known = new Set(routeIds);
  return suites.flatMap((suite) =>
    suite.tests.flatMap((test, i) =>
      known.has(test.route)
        ? []
        : [{ file: suite.file, line: suite.lineOf(['tests', i, 'route']), path: `tests[${i}].route`, message: 'no loaded route has this id' }],
    ),
  );
}
