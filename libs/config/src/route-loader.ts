import * as path from 'node:path';
import { errorCode, listConfigFiles } from './config-files';
import type { Env } from './env-interpolation';
import type { RouteDef, RouteSchemas, SourceDef } from './route.schema';
import { displayFile, formatPath, type DefPath, type RouteProblem } from './route-problem';
import { readConfigFile } from './yaml-config-file';
import { valueAt } from './zod-issues';

/** One route as parsed from its file, with what is needed to report on it later. */
export interface LoadedRoute {
  /** The validated definition, `${ENV}` interpolated, defaults applied. */
  readonly def: RouteDef;
  /** The file, relative to the working folder when inside it (as in problems). */
  readonly file: string;
  /** Absolute folder of the file: relative paths in the route (schema files) resolve from here. */
  readonly baseDir: string;
  /** Position of the route in its file's `routes` list. */
  readonly index: number;
  /** The route as written, before interpolation and defaults: `${SECRET}` stays a placeholder. Safe to show. */
  readonly display: unknown;
  /** Line in the file of a path inside this route (e.g. `['steps', 2, 'map']`), for problems found later. */
  lineOf(path: DefPath): number;
}

export interface RouteLoad {
  readonly routes: LoadedRoute[];
  readonly problems: RouteProblem[];
}

interface Claim {
  readonly file: string;
  readonly line: number;
  readonly shown: string;
}

/**
 * Loads every route file of `dir` (see `listConfigFiles`), in a stable order. Every problem is reported, each with
 * file, line and path; a file with any problem contributes no routes, and the other files still load. Route ids and
 * ingress addresses (each connector's `sourceKeys`) must be unique across all files: the later one is reported,
 * naming the first. The schema comes from the bus's connector list (`routeSchemas`). Never throws; `env` is only read for `${VAR}` placeholders, and no value from it appears in a problem.
 */
export function loadRoutes(dir: string, env: Env, schemas: RouteSchemas): RouteLoad {
  let files: string[];
  try {
    files = listConfigFiles(dir, 'routes');
  } catch (err) {
    const problem = { file: displayFile(path.resolve(dir)), line: 0, path: '', message: `cannot read the routes folder (${errorCode(err)})` };
    return { routes: [], problems: [problem] };
  }

  const routes: LoadedRoute[] = [];
  const problems: RouteProblem[] = [];
  const ids = new Map<string, Claim>();
  const addresses = new Map<string, Claim>();

  for (const absolute of files) {
    const file = displayFile(absolute);
    const read = readConfigFile(absolute, file, env, { schema: schemas.file, expected: 'a mapping with a "routes" list' });
    if (!read.ok) {
      problems.push(...read.problems);
      continue;
    }
    const fileProblems: RouteProblem[] = [];
    const fileIds = new Map<string, Claim>();
    const fileAddresses = new Map<string, Claim>();
    const report = (line: number, at: DefPath, message: string) => fileProblems.push({ file, line, path: formatPath(at), message });

    read.data.routes.forEach((def, index) => {
      const written = (at: DefPath) => valueAt(read.display, ['routes', index, ...at]);
      const idLine = read.lineOf(['routes', index, 'id']);
      const id = { file, line: idLine, shown: String(asWritten(def.id, written(['id']))) };
      const firstId = ids.get(def.id) ?? fileIds.get(def.id);
      if (firstId) report(idLine, ['routes', index, 'id'], `duplicate route id "${id.shown}": first defined at ${firstId.file}:${firstId.line}`);
      else fileIds.set(def.id, id);

      const fromLine = read.lineOf(['routes', index, 'from']);
      const shownKeys = schemas.sourceKeys(asWritten(def.from, written(['from'])) as SourceDef);
      const own = new Set<string>();
      schemas.sourceKeys(def.from).forEach((key, k) => {
        if (own.has(key)) return;
        own.add(key);
        const first = addresses.get(key) ?? fileAddresses.get(key);
        if (first) {
          report(fromLine, ['routes', index, 'from'], `ingress "${shownKeys[k]}" is already taken by route "${first.shown}" at ${first.file}:${first.line}`);
        } else {
          fileAddresses.set(key, { file, line: fromLine, shown: id.shown });
        }
      });
    });

    if (fileProblems.length > 0) {
      problems.push(...fileProblems);
      continue;
    }
    for (const [k, v] of fileIds) ids.set(k, v);
    for (const [k, v] of fileAddresses) addresses.set(k, v);
    read.data.routes.forEach((def, index) => {
      routes.push({
        def,
        file,
        baseDir: path.dirname(absolute),
        index,
        display: valueAt(read.display, ['routes', index]),
        lineOf: (at) => read.lineOf(['routes', index, ...at]),
      });
    });
  }
  return { routes, problems };
}

/**
 * `value` with each string that was written with a `${...}` placeholder put back as written, so that a message built
 * from it (a duplicate id or address) shows the placeholder, never the value from the environment.
 */
function asWritten(value: unknown, written: unknown): unknown {
  if (typeof written === 'string' && written.includes('${')) return written;
  if (Array.isArray(value) && Array.isArray(written)) return value.map((v, i) => asWritten(v, written[i]));
  if (isRecord(value) && isRecord(written)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asWritten(v, written[k])]));
  }
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
