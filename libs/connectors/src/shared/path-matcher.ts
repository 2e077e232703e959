import { hasParams, pathSegments } from './path-pattern';

/** A matched request: the entry's value and its path parameters (decoded), or why its parameters were refused. */
export type PathMatch<T> =
  | { readonly value: T; readonly params: Readonly<Record<string, string>> }
  | { readonly refused: string };

interface End<T> {
  readonly value: T;
  readonly names: readonly string[];
}

interface Node<T> {
  readonly literal: Map<string, Node<T>>;
  param?: Node<T>;
  readonly ends: Map<string, End<T>>;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Finds the entry for `METHOD path` among literal paths and path patterns (`/customers/:id`). Built once per table
 * (when an ingress mounts), never per request; matching splits the path once and walks a tree of segments, with no
 * regular expression.
 *
 * Precedence: a literal path first (one map lookup: the common case costs what it did before patterns), then
 * patterns segment by segment, a literal segment before a parameter, so that `/customers/new` wins over
 * `/customers/:id` and `/a/b/:x` over `/a/:y/c`. Matching is per method: `GET /customers/new` goes to
 * `GET /customers/:id` when `/customers/new` only takes POST. A parameter matches one non-empty segment; its value is
 * percent-decoded once (`%252F` gives `%2F`) and may not contain `/` (`%2F`): such a request is refused.
 */
export class PathMatcher<T> {
  /** Literal paths by `METHOD path`, with their match built once: a hit allocates nothing. */
  private readonly exact = new Map<string, PathMatch<T>>();
  private readonly literalMethods = new Map<string, Set<string>>();
  private readonly root: Node<T> = node();
  private patterns = 0;

  /** Entries as `[method, path, value]`; a later entry for the same method and pattern replaces an earlier one. */
  constructor(entries: Iterable<readonly [method: string, path: string, value: T]>) {
    for (const [method, path, value] of entries) {
      if (!hasParams(path)) {
        this.exact.set(`${method} ${path}`, { value, params: NO_PARAMS });
        let methods = this.literalMethods.get(path);
        if (!methods) this.literalMethods.set(path, (methods = new Set()));
        methods.add(method);
        continue;
      }
      let n = this.root;
      const names: string[] = [];
      for (const s of pathSegments(path)) {
        if ('param' in s) {
          n = n.param ??= node();
          names.push(s.param);
        } else {
          let next = n.literal.get(s.literal);
          if (!next) n.literal.set(s.literal, (next = node()));
          n = next;
        }
      }
      n.ends.set(method, { value, names });
      this.patterns++;
    }
  }

  /** The entry for a request's method and raw path (no query string); undefined when none takes it. */
  match(method: string, path: string): PathMatch<T> | undefined {
    const hit = this.exact.get(`${method} ${path}`);
    if (hit !== undefined) return hit;
    if (this.patterns === 0 || path[0] !== '/') return undefined;
    const values: string[] = [];
    const end = find(this.root, path.slice(1).split('/'), 0, values, (n) => n.ends.get(method));
    return end ? withParams(end, values) : undefined;
  }

  /** The methods some entry takes on this path, for a 405 and its Allow header; empty when no entry matches it. */
  methodsAt(path: string): string[] {
    const methods = new Set(this.literalMethods.get(path));
    if (this.patterns > 0 && path[0] === '/') {
      find(this.root, path.slice(1).split('/'), 0, [], (n) => {
        for (const m of n.ends.keys()) methods.add(m);
        return undefined;
      });
    }
    return [...methods].sort();
  }
}

function node<T>(): Node<T> {
  return { literal: new Map(), ends: new Map() };
}

/**
 * Depth first, a literal segment before a parameter, backtracking when a branch ends without an entry. The depth is
 * bounded by the longest configured pattern, so a request cannot make this walk long.
 */
function find<T>(n: Node<T>, raw: string[], i: number, values: string[], pick: (n: Node<T>) => End<T> | undefined): End<T> | undefined {
  if (i === raw.length) return pick(n);
  const segment = raw[i];
  const literal = n.literal.get(segment);
  if (literal) {
    const end = find(literal, raw, i + 1, values, pick);
    if (end) return end;
  }
  if (n.param && segment !== '') {
    values.push(segment);
    const end = find(n.param, raw, i + 1, values, pick);
    if (end) return end;
    values.pop();
  }
  return undefined;
}

function withParams<T>(end: End<T>, raw: readonly string[]): PathMatch<T> {
  const pairs: Array<[string, string]> = [];
  for (let k = 0; k < end.names.length; k++) {
    const name = end.names[k];
    let value = raw[k];
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        return { refused: `path parameter "${name}" is not valid percent-encoded UTF-8` };
      }
      if (value.includes('/')) return { refused: `path parameter "${name}" may not contain "/"` };
    }
    pairs.push([name, value]);
  }
  // fromEntries defines own properties: a parameter named __proto__ stays a plain key.
  return { value: end.value, params: Object.fromEntries(pairs) };
}
