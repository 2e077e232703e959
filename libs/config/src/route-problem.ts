import * as path from 'node:path';

/** A path inside a parsed file: keys and array indices, e.g. `['routes', 0, 'to', 1, 'http', 'url']`. */
export type DefPath = readonly (string | number)[];

/**
 * One thing wrong in a configuration file. `file` is relative to the process's working folder when the file is
 * inside it; `line` is 1-based; `path` is written as in `routes[0].to[1].http.url` (empty for the file as a whole).
 * The message may name an environment variable but never contains a value taken from the environment.
 */
export interface RouteProblem {
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

/** `routes/orders.yaml:14 routes[0].to[1].http.url: expected a URL`. */
export function formatProblem(p: RouteProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where} ${p.message}`;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['routes', 0, 'to', 1, 'http', 'url']` as `routes[0].to[1].http.url`; odd keys as `headers["x y"]`. */
export function formatPath(parts: DefPath): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (!PLAIN_KEY.test(part)) out += `[${JSON.stringify(part)}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/** A file path for messages: relative to the working folder when inside it, else absolute; always with `/`. */
export function displayFile(absolute: string, cwd: string = process.cwd()): string {
  const rel = path.relative(cwd, absolute);
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  return (inside ? rel : absolute).split(path.sep).join('/');
}
