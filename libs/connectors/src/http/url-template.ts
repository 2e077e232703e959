/**
 * HTTP target URLs with expressions: `http://crm:8080/customers/{customer.id}/orders?since={$query.since}`.
 *
 * Rules (docs/connectors/http.md says the same for route authors):
 * - `{expr}` is a JSONata expression, evaluated per message; braces inside its strings and object constructors are
 *   its own. A literal brace is written `%7B` / `%7D`.
 * - The origin (scheme, host, port) is literal: an expression there is refused at load, so that no message can choose
 *   where its request goes.
 * - An expression may stand in the path (a whole segment or part of one) or in a query value, never in a query name
 *   or the fragment.
 * - Literal parts are normalised as the WHATWG URL parser does (the same as a URL without expressions).
 *
 * This file parses; url-encoding.ts evaluates and encodes.
 */

/** Literal text (already in URL form) or the index of an expression in `UrlTemplate.expressions`. */
export type Piece = string | { readonly expr: number };

/** One `name=value` of the query; `value` is null for a bare `name`. */
export interface QueryPart {
  readonly name: string;
  readonly value: readonly Piece[] | null;
}

export interface UrlTemplate {
  /** `http://host:port`, as the connection pool is keyed. */
  readonly origin: string;
  /** Host and port as the URL parser gives them (default port dropped). */
  readonly host: string;
  /** The path with each expression shown as written in braces (the path itself when there is none). */
  readonly shownPath: string;
  /** Expression sources, in the order they appear. */
  readonly expressions: readonly string[];
  /** The path's segments (after the leading `/`), each as pieces. */
  readonly segments: readonly (readonly Piece[])[];
  readonly query: readonly QueryPart[];
  /** Path and query when there is no expression: what is sent for every message. */
  readonly fixed?: string;
}

/** A URL template the route file may not hold; the message names no value (route files may take values from ENV). */
export class UrlTemplateError extends Error {}

const ORIGIN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/** Parses a target URL. Throws UrlTemplateError with a message fit for a route problem. */
export function parseUrlTemplate(text: string): UrlTemplate {
  const scanned = scanExpressions(text);
  const first = typeof scanned[0] === 'string' ? scanned[0] : '';
  const origin = ORIGIN.exec(first)?.[0];
  // The origin must end inside the first literal piece: `http://host{x}` and `{x}://...` put an expression in it.
  if (origin === undefined || (scanned.length > 1 && origin.length === first.length)) {
    if (scanned.length > 1) throw new UrlTemplateError('an expression may not stand in the scheme, host or port of a URL');
    throw new UrlTemplateError('expected a URL');
  }
  let base: URL;
  try {
    base = new URL(origin);
  } catch {
    throw new UrlTemplateError('expected a URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UrlTemplateError('expected an http:// or https:// URL');

  const expressions = scanned.filter((p): p is { source: string } => typeof p !== 'string').map((p) => p.source);
  const token = tokenFor(text);
  let probe = first;
  let n = 0;
  for (const p of scanned.slice(1)) probe += typeof p === 'string' ? p : `${token}${n++}z`;
  let url: URL;
  try {
    url = new URL(probe);
  } catch {
    throw new UrlTemplateError('expected a URL');
  }
  if (url.origin !== base.origin) throw new UrlTemplateError('expected a URL');
  const marker = new RegExp(`${token}(\\d+)z`, 'g');
  if (url.hash.includes(token)) throw new UrlTemplateError('an expression may not stand in the fragment of a URL');
  const segments = url.pathname.slice(1).split('/').map((s) => pieces(s, marker));
  const query: QueryPart[] = url.search.length <= 1 ? [] : url.search.slice(1).split('&').map((pair) => queryPart(pair, marker));
  const used = [...segments.flat(), ...query.flatMap((q) => q.value ?? [])].filter((p) => typeof p !== 'string');
  // Literal dot segments next to an expression (`/a/{x}/..`) would be resolved away with it.
  if (used.length !== expressions.length) throw new UrlTemplateError('an expression was removed by a "." or ".." segment next to it');
  const shownPath = url.pathname.replace(marker, (_, i: string) => `{${expressions[Number(i)]}}`);
  return {
    origin: base.origin,
    host: base.host,
    shownPath,
    expressions,
    segments,
    query,
    ...(expressions.length === 0 ? { fixed: url.pathname + url.search } : {}),
  };
}

/** Splits literal text at the expressions' markers. */
function pieces(text: string, marker: RegExp): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of text.matchAll(marker)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    out.push({ expr: Number(m[1]) });
    at = m.index + m[0].length;
  }
  if (at < text.length || out.length === 0) out.push(text.slice(at));
  return out;
}

function queryPart(pair: string, marker: RegExp): QueryPart {
  const eq = pair.indexOf('=');
  const name = eq < 0 ? pair : pair.slice(0, eq);
  if (pieces(name, marker).some((p) => typeof p !== 'string')) {
    throw new UrlTemplateError('an expression may stand in a query value, not in a query name');
  }
  return { name, value: eq < 0 ? null : pieces(pair.slice(eq + 1), marker) };
}

/** A marker that the URL parser leaves as it is and that the template does not already hold. */
function tokenFor(text: string): string {
  let token = 'jxexpr';
  while (text.toLowerCase().includes(token)) token += 'q';
  return token;
}

/** Literal text and `{expr}` sources, in order; always starts with a literal (maybe empty). */
function scanExpressions(text: string): Array<string | { source: string }> {
  const out: Array<string | { source: string }> = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '}') throw new UrlTemplateError(`a "}" at position ${i} closes no expression (write %7D for a literal brace)`);
    if (c !== '{') {
      literal += c;
      i++;
      continue;
    }
    const end = closingBrace(text, i);
    if (end < 0) throw new UrlTemplateError(`the expression at position ${i} has no closing "}"`);
    const source = text.slice(i + 1, end).trim();
    if (source === '') throw new UrlTemplateError(`an empty expression "{}" at position ${i}`);
    out.push(literal, { source });
    literal = '';
    i = end + 1;
  }
  out.push(literal);
  return out;
}

/** Where the brace opened at `open` closes, skipping JSONata strings and `name` quotes; -1 when it does not. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      i = endOfQuoted(text, i);
      if (i < 0) return -1;
    } else if (c === '{') {
      depth++;
    } else if (c === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

function endOfQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
