/**
 * Paths on the bus's HTTP listener: literal segments and parameters (`/customers/:id/orders`). A parameter is a whole
 * segment `:name` (a letter or `_`, then letters, digits or `_`); a `:` inside a segment is literal (`/orders:batch`),
 * so that paths written before parameters existed keep their meaning.
 */

/** One segment of a path pattern: literal text as it must appear in a request, or a parameter. */
export type PathSegment = { readonly literal: string } | { readonly param: string };

const PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)$/;

/** The segments of a path (`/a/:b` -> literal a, param b). Assumes the path passed `pathPatternProblems`. */
export function pathSegments(path: string): PathSegment[] {
  return path
    .slice(1)
    .split('/')
    .map((s) => {
      const m = PARAM.exec(s);
      return m ? { param: m[1] } : { literal: s };
    });
}

/** True when the path has at least one parameter. */
export function hasParams(path: string): boolean {
  return path.split('/').some((s) => s.startsWith(':'));
}

/**
 * What is wrong with a path pattern: a segment that starts with `:` but is not a parameter name, or a name used twice.
 * Empty when it is fine.
 */
export function pathPatternProblems(path: string): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const segment of path.split('/')) {
    if (!segment.startsWith(':')) continue;
    const m = PARAM.exec(segment);
    if (!m) {
      problems.push('a segment starting with ":" is a parameter: ":" then a name of letters, digits and "_"');
    } else if (seen.has(m[1])) {
      problems.push(`path parameter "${m[1]}" appears twice`);
    } else {
      seen.add(m[1]);
    }
  }
  return problems;
}

/**
 * The path as a claim of the listener: parameter names removed (`/customers/:id` -> `/customers/:`), since two
 * patterns that differ only by their names match the same requests.
 */
export function pathKey(path: string): string {
  return hasParams(path) ? path.replace(/(^|\/):[A-Za-z_][A-Za-z0-9_]*(?=\/|$)/g, '$1:') : path;
}
