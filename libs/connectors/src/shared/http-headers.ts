import type { Headers } from '@junction/core';

/**
 * Headers that belong to one HTTP hop or carry the caller's credentials: they never become message headers and are
 * never forwarded to a target.
 */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'content-type',
  'content-encoding',
  'accept',
  'accept-encoding',
  'expect',
  'authorization',
  'proxy-authorization',
  'proxy-connection',
  'cookie',
  'set-cookie',
]);

/** Message headers from an incoming request's (already lower-cased) headers. */
export function messageHeadersFrom(raw: Record<string, string | string[] | undefined>): Headers {
  const out: Headers = {};
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Message headers that may go on to a target. */
export function forwardable(headers: Readonly<Headers>): Headers {
  const out: Headers = {};
  for (const name in headers) if (!NOT_FORWARDED.has(name)) out[name] = headers[name];
  return out;
}
