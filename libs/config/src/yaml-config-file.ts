import { readFileSync } from 'node:fs';
import { Document, isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import { errorCode } from './config-files';
import { interpolate, isWholePlaceholder, type Env } from './env-interpolation';
import { formatPath, type DefPath, type RouteProblem } from './route-problem';
import { findingsOf, issueWording, valueAt } from './zod-issues';

/**
 * Reads one YAML configuration file (a route file, a route test file) into a validated value, or into the list of
 * everything wrong with it, each with its line. Order of work: YAML syntax, `${ENV}` interpolation of string scalars,
 * then the zod schema, with every issue reported.
 */

export type ConfigFileResult<T> =
  | {
      readonly ok: true;
      readonly data: T;
      /** The file's content as written, before interpolation: placeholders stay placeholders. */
      readonly display: unknown;
      /** Line of a path in the file (the key's line for a mapping entry); the nearest existing ancestor otherwise. */
      readonly lineOf: (path: DefPath) => number;
    }
  | { readonly ok: false; readonly problems: RouteProblem[] };

export interface ConfigFileSpec<S extends z.ZodType> {
  readonly schema: S;
  /** What the top level must be, for the message when it is not a mapping, e.g. `a mapping with a "routes" list`. */
  readonly expected: string;
}

/** Reads and validates `absolute`, reporting problems against `file` (the path to show). Never throws. */
export function readConfigFile<S extends z.ZodType>(
  absolute: string,
  file: string,
  env: Env,
  spec: ConfigFileSpec<S>,
): ConfigFileResult<z.output<S>> {
  const problem = (line: number, path: DefPath, message: string): RouteProblem => ({ file, line, path: formatPath(path), message });

  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    return { ok: false, problems: [problem(0, [], `cannot read the file (${errorCode(err)})`)] };
  }

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // the first error only: the ones after it are nearly always its echoes
    const [error] = doc.errors;
    const line = lineCounter.linePos(error.pos[0]).line;
    const what = error.code === 'MULTIPLE_DOCS' ? 'one document per file (no second ---)' : error.message.split('\n')[0];
    const message = `YAML syntax error: ${what}${flowHint(text.split(/\r?\n/)[line - 1] ?? '')}`;
    return { ok: false, problems: [problem(line, [], message)] };
  }
  const lineOf = (path: DefPath): number => lineInDocument(doc, lineCounter, path);

  let display: unknown;
  try {
    display = doc.toJS();
  } catch (err) {
    // e.g. the alias count limit that protects against "billion laughs" files
    return { ok: false, problems: [problem(lineOf([]), [], `YAML error: ${(err as Error).message}`)] };
  }
  if (display === null || typeof display !== 'object' || Array.isArray(display)) {
    return { ok: false, problems: [problem(lineOf([]), [], `expected ${spec.expected}`)] };
  }

  const problems: RouteProblem[] = [];
  const failed: DefPath[] = [];
  const whole = new Set<string>();
  const report: Report = (node, path, message) => {
    problems.push(problem(lineOfNode(node, lineCounter) ?? lineOf(path), path, message));
    failed.push(path);
  };
  interpolateNode(doc.contents, [], env, report, whole);
  const value: unknown = doc.toJS();

  let parsed = spec.schema.safeParse(value, { error: issueWording });
  if (!parsed.success && coerceWhole(parsed.error.issues, value, whole)) parsed = spec.schema.safeParse(value, { error: issueWording });
  if (!parsed.success) {
    for (const f of findingsOf(parsed.error.issues, value, spec.schema)) {
      // an issue at (or under) a placeholder that could not be resolved is a consequence, not news
      if (failed.some((p) => isPrefix(p, f.path))) continue;
      problems.push(problem(lineOf(f.linePath ?? f.path), f.path, f.message));
    }
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return { ok: true, data: parsed.data as z.output<S>, display, lineOf };
}

/** `{ to: ${X} }` is not YAML: inside a flow collection, `{` and `}` end the plain scalar. Say so. */
function flowHint(sourceLine: string): string {
  if (!sourceLine.includes('${')) return '';
  return /[{[]/.test(sourceLine.replace(/\$\{[^}]*\}/g, '')) ? ' (inside { } or [ ], quote a value that holds ${...})' : '';
}

function isPrefix(prefix: DefPath, path: DefPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => String(seg) === String(path[i]));
}

function lineOfNode(node: unknown, lineCounter: LineCounter): number | undefined {
  return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
}

function keyOf(pair: Pair): string {
  return String(isScalar(pair.key) ? pair.key.value : pair.key);
}

function lineInDocument(doc: Document, lineCounter: LineCounter, path: DefPath): number {
  let node: unknown = doc.contents;
  let line = lineOfNode(node, lineCounter) ?? 1;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let at: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyOf(p) === String(seg));
      next = pair?.value;
      at = pair?.key ?? pair?.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = at = node.items[seg];
    }
    if (at === undefined) break;
    line = lineOfNode(at, lineCounter) ?? line;
    node = next;
  }
  return line;
}

type Report = (node: Node, path: DefPath, message: string) => void;

function pathKey(path: DefPath): string {
  return path.map(String).join('\u0000');
}

/**
 * Interpolates every string scalar in value position (keys are left as written), in place. Adds to `whole` the
 * paths whose scalar was exactly one placeholder, which may then take the type the schema wants (`coerceWhole`).
 */
function interpolateNode(node: unknown, path: (string | number)[], env: Env, report: Report, whole: Set<string>): void {
  if (isMap(node)) {
    for (const pair of node.items) interpolateNode(pair.value, [...path, keyOf(pair)], env, report, whole);
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => interpolateNode(item, [...path, i], env, report, whole));
  } else if (isScalar(node) && typeof node.value === 'string') {
    const raw = node.value;
    const result = interpolate(raw, env);
    for (const name of result.missing) {
      report(node, path, `environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
    }
    for (const written of result.invalid) {
      report(node, path, `invalid placeholder "${written}": expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`);
    }
    if (result.missing.length > 0 || result.invalid.length > 0 || result.value === raw) return;
    node.value = result.value;
    if (isWholePlaceholder(raw)) whole.add(pathKey(path));
  }
}

const NUMBER = /^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/;

/**
 * Environment values are strings; where the schema wants a number or a boolean and the scalar was a single
 * placeholder (`timeoutMs: ${TIMEOUT_MS:-5000}`, quoted or not), the value is read as one. Returns whether anything
 * changed, in which case the caller validates again. A value that does not read as the type stays a string, and the
 * schema reports it (by kind, never by value).
 */
function coerceWhole(issues: readonly z.core.$ZodIssue[], value: unknown, whole: ReadonlySet<string>): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type' || issue.path.length === 0 || !whole.has(pathKey(issue.path as DefPath))) continue;
    const parent = valueAt(value, issue.path.slice(0, -1) as DefPath) as Record<string | number, unknown>;
    const key = issue.path[issue.path.length - 1] as string | number;
    const text = parent[key];
    if (typeof text !== 'string') continue;
    if ((issue.expected === 'number' || issue.expected === 'int') && NUMBER.test(text)) parent[key] = Number(text);
    else if (issue.expected === 'boolean' && (text === 'true' || text === 'false')) parent[key] = text === 'true';
    else continue;
    changed = true;
  }
  return changed;
}
