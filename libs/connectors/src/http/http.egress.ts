import type { HttpTargetDef } from './http.config';
import {
  DeliveryError,
  outgoingTraceHeaders,
  type EgressConnector,
  type EgressEndpoint,
  type Headers,
  type Message,
  type Reply,
} from '@junction/core';
import { BytesBody } from '@junction/transform';
import { Pool } from 'undici';
import { forwardable } from '../shared/http-headers';
import { sendRequest, statusError } from '../shared/http-request';
import { compileUrlTemplate } from './url-encoding';
import { parseUrlTemplate } from './url-template';

/**
 * REST/HTTP delivery over undici keep-alive pools, one pool per origin shared by every target on it. `endpoint` only
 * parses the URL (compiling its `{expr}` parts, if any) and freezes the headers; connections open on the first send.
 * A URL with expressions is resolved by the route runner per message (EgressEndpoint.address) and only its path and
 * query come from the message: the origin is always the configured one. Status handling: 2xx is a reply; 408, 425,
 * 429 and 5xx are retriable (Retry-After honoured); other statuses are not; connection errors and time-outs are
 * retriable.
 */
export class HttpEgress implements EgressConnector<HttpTargetDef> {
  readonly kind = 'http';
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: { connectionsPerOrigin?: number } = {}) {}

  endpoint(config: HttpTargetDef): EgressEndpoint {
    const template = parseUrlTemplate(config.url);
    const pool = this.pool(template.origin);
    const fixedPath = template.fixed;
    const fixed: Headers = {};
    for (const [k, v] of Object.entries(config.headers)) fixed[k.toLowerCase()] = v;
    const hasBody = config.method !== 'GET' && config.method !== 'DELETE';
    const description = `${config.method} ${template.origin}${template.shownPath}`;
    const { method, timeoutMs } = config;
    return {
      description,
      ...(fixedPath === undefined && { address: compileUrlTemplate(template) }),
      send: async (message: Message, signal?: AbortSignal, address?: string): Promise<Reply> => {
        const path = fixedPath ?? address;
        // A delivery routed before its target's URL took expressions (a reload in between) has no address to go to.
        if (path === undefined || !path.startsWith('/')) {
          throw new DeliveryError('NO_ADDRESS', `${description}: the message was routed without its URL`, { retriable: false });
        }
        const headers: Headers = {
          ...forwardable(message.headers),
          ...outgoingTraceHeaders(message),
          ...fixed,
        };
        // The body's own type, unless the target's `headers` name one (a legacy API that wants `text/xml` for XML).
        if (hasBody && fixed['content-type'] === undefined) headers['content-type'] = message.body.contentType;
        const res = await sendRequest(pool, {
          method,
          path,
          headers,
          body: hasBody ? message.body.bytes() : undefined,
          timeoutMs,
          signal,
          description,
        });
        if (res.status < 200 || res.status >= 300) throw statusError(res, description);
        const contentType = res.headers['content-type'] ?? 'application/octet-stream';
        return { status: res.status, headers: res.headers, body: new BytesBody(res.bytes, contentType) };
      },
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
