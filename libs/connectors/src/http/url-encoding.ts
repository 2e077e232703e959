import { ConfigError, StepError, type AddressTemplate } from '@junction/core';
import { compileExpression } from '@junction/transform';
import { UrlTemplateError, type Piece, type UrlTemplate } from './url-template';

/**
 * Compiles a template's expressions once, at load, into the address template the route runner resolves per message
 * (see EgressEndpoint.address). Throws UrlTemplateError on a syntax error, naming the expression by its number only.
 */
export function compileUrlTemplate(template: UrlTemplate): AddressTemplate {
  const expressions = template.expressions.map((source, i) => {
    try {
      return compileExpression(source, { step: 'url' });
    } catch (err) {
      const reason = err instanceof ConfigError ? err.problems[0] : String(err);
      throw new UrlTemplateError(`expression ${i + 1} of the URL: ${reason}`);
    }
  });
  return {
    readsBody: expressions.some((e) => e.readsInput),
    resolve: async (body, bindings) => {
      const values = await Promise.all(expressions.map((e) => e.evaluate(body, bindings)));
      return renderUrl(template, values);
    },
  };
}

/**
 * The path and query of a template for one message's values (`values[i]` is expression i's result). Each value is
 * percent-encoded as one segment or one query value: `/`, `?`, `#`, `%`, `..` inside it stay inside it, so a message
 * can add no segment and change no host. A path segment holding an expression must come out as a real segment: not
 * empty, `.` or `..`. A query value that is one expression alone is left out, name and all, when the expression gives
 * nothing (or null), and repeated when it gives an array. Throws StepError otherwise.
 */
export function renderUrl(template: UrlTemplate, values: readonly unknown[]): string {
  let out = '';
  for (const segment of template.segments) {
    let text = '';
    let computed = false;
    for (const p of segment) {
      if (typeof p === 'string') text += p;
      else {
        computed = true;
        text += encodeComponent(scalar(values[p.expr], template.expressions[p.expr], 'a path segment'), template.expressions[p.expr]);
      }
    }
    if (computed && (text === '' || text === '.' || text === '..')) {
      throw new StepError('url', `the path segment from ${shown(segment, template)} came out ${text === '' ? 'empty' : `as "${text}"`}`);
    }
    out += `/${text}`;
  }
  const pairs: string[] = [];
  for (const { name, value } of template.query) {
    if (value === null) pairs.push(name);
    else if (value.length === 1 && typeof value[0] !== 'string') pairs.push(...wholeValue(name, value[0].expr, values, template));
    else pairs.push(`${name}=${value.map((p) => (typeof p === 'string' ? p : queryText(p.expr, values, template))).join('')}`);
  }
  return pairs.length > 0 ? `${out}?${pairs.join('&')}` : out;
}

/** Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`), UTF-8 first. */
export function encodeComponent(value: string, source = ''): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw new StepError('url', `{${source}} gave text that is not valid Unicode`);
  }
  // encodeURIComponent leaves these sub-delimiters as they are; a value is data, so they are encoded too.
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function wholeValue(name: string, i: number, values: readonly unknown[], template: UrlTemplate): string[] {
  const v = values[i];
  if (v === undefined || v === null) return [];
  const source = template.expressions[i];
  const items = Array.isArray(v) ? v : [v];
  return items.map((item) => `${name}=${encodeComponent(scalar(item, source, 'a query value'), source)}`);
}

function queryText(i: number, values: readonly unknown[], template: UrlTemplate): string {
  const source = template.expressions[i];
  return encodeComponent(scalar(values[i], source, 'a query value'), source);
}

/** A value that can stand in a URL as text: a string, a finite number or a boolean. */
function scalar(value: unknown, source: string, where: string): string {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  const got =
    value === undefined
      ? 'no value'
      : value === null
        ? 'null'
        : Array.isArray(value)
          ? 'an array'
          : typeof value === 'number'
            ? 'a number that is not finite'
            : typeof value === 'object'
              ? 'an object'
              : `a ${typeof value}`;
  throw new StepError('url', `{${source}} gave ${got}; ${where} takes a string, a number or a boolean`);
}

function shown(segment: readonly Piece[], template: UrlTemplate): string {
  return segment.map((p) => (typeof p === 'string' ? p : `{${template.expressions[p.expr]}}`)).join('');
}
