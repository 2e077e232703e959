import type { Headers } from '@junction/core';

/**
 * Headers that belong to one HTTP hop (RFC 9110 7.6.1 and the older proxy ones) or carry the caller's credentials:
 * they never become message headers and are never forwarded to a target.
 */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'content-length',
  'content-type',
  'content-encoding',
  'accept',
  'accept-encoding',
  'expect',
  'authorization',
  'cookie',
  'set-cookie',
]);

/**
 * The header names a `Connection` header lists: a sender marks with it the headers meant for the next hop only
 * (RFC 9110 7.6.1), so they go no further than the bus.
 */
function connectionNamed(value: string | readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const names = (typeof value === 'string' ? value : value.join(',')).split(',').map((n) => n.trim().toLowerCase());
  return new Set(names.filter((n) => n !== ''));
}

/**
 * Message headers from an incoming request's (already lower-cased) headers: without the hop-by-hop ones, the
 * caller's credentials and those the `Connection` header names. With `peer` (the caller's address as the socket saw
 * it), `X-Forwarded-For` gets it appended, as a proxy does, so that targets see every hop.
 */
export function messageHeadersFrom(raw: Record<string, string | string[] | undefined>, peer?: string): Headers {
  const out: Headers = {};
  const named = connectionNamed(raw.connection);
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined || NOT_FORWARDED.has(name) || named?.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (peer) {
    const address = peer.startsWith('::ffff:') ? peer.slice(7) : peer;
    const before = out['x-forwarded-for'];
    out['x-forwarded-for'] = before ? `${before}, ${address}` : address;
  }
  return out;
}

/** Message headers (or a target's reply headers) that may go on: without hop-by-hop ones and those `Connection` names.
 *  `except`: one more name left out (built without it rather than deleted after, which slows the object down). */
export function forwardable(headers: Readonly<Headers>, except?: string): Headers {
  const out: Headers = {};
  const named = headers.connection === undefined ? undefined : connectionNamed(headers.connection);
  for (const name in headers) if (!NOT_FORWARDED.has(name) && name !== except && !named?.has(name)) out[name] = headers[name];
  return out;
}
