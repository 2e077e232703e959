import type { HttpTargetDef } from '@junction/config';
import { DeliveryError, type EgressConnector, type EgressEndpoint, type Headers, type Message, type Reply } from '@junction/core';
import { BytesBody } from '@junction/transform';
import { Pool } from 'undici';
import { forwardable } from './http-headers';

/** Largest reply body read from a target; a larger one fails the attempt rather than exhausting memory. */
const MAX_REPLY_BYTES = 32 * 1024 * 1024;

/**
 * REST/HTTP delivery over undici keep-alive pools, one pool per origin shared by every target on it. `endpoint` only
 * parses the URL and freezes the headers; connections open on the first send. Status handling: 2xx is a reply;
 * 408, 425, 429 and 5xx are retriable (429/503 honour Retry-After); other statuses are not; connection errors and
 * time-outs are retriable.
 */
export class HttpEgress implements EgressConnector<HttpTargetDef> {
  readonly kind = 'http';
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: { connectionsPerOrigin?: number } = {}) {}

  endpoint(config: HttpTargetDef): EgressEndpoint {
    const url = new URL(config.url);
    const pool = this.pool(url.origin);
    const path = url.pathname + url.search;
    const fixed: Headers = {};
    for (const [k, v] of Object.entries(config.headers)) fixed[k.toLowerCase()] = v;
    const hasBody = config.method !== 'GET' && config.method !== 'DELETE';
    const description = `${config.method} ${url.origin}${url.pathname}`;
    const timeout = config.timeoutMs;
    return {
      description,
      send: (message, signal) => send(pool, config.method, path, fixed, hasBody, timeout, message, signal, description),
    };
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connectionsPerOrigin ?? 128,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 300_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

async function send(
  pool: Pool,
  method: HttpTargetDef['method'],
  path: string,
  fixed: Headers,
  hasBody: boolean,
  timeoutMs: number,
  message: Message,
  signal: AbortSignal | undefined,
  description: string,
): Promise<Reply> {
  const headers: Headers = {
    ...forwardable(message.headers),
    'x-message-id': message.id,
    'x-correlation-id': message.correlationId,
    ...fixed,
  };
  if (hasBody) headers['content-type'] = message.body.contentType;
  let res;
  try {
    res = await pool.request({
      method,
      path,
      headers,
      body: hasBody ? message.body.bytes() : undefined,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal,
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'CONNECT_FAILED';
    throw new DeliveryError(code, `${description}: ${(err as Error).message}`, { retriable: true, cause: err });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_REPLY_BYTES) {
        res.body.destroy();
        throw new DeliveryError('REPLY_TOO_LARGE', `${description}: reply over ${MAX_REPLY_BYTES} bytes`, { retriable: false });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    throw new DeliveryError('REPLY_FAILED', `${description}: ${(err as Error).message}`, { retriable: true, cause: err });
  }
  const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  const status = res.statusCode;
  const replyHeaders: Headers = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) replyHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
  if (status >= 200 && status < 300) {
    const contentType = replyHeaders['content-type'] ?? 'application/octet-stream';
    return { status, headers: replyHeaders, body: new BytesBody(bytes, contentType) };
  }
  const retriable = status === 408 || status === 425 || status === 429 || status >= 500;
  throw new DeliveryError(`HTTP_${status}`, `${description}: HTTP ${status}`, {
    retriable,
    status,
    retryAfterMs: retryAfterMs(replyHeaders['retry-after']),
    reply: bytes.subarray(0, 2048).toString('utf8'),
  });
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
