import { timingSafeEqual } from 'node:crypto';
import type { HttpSourceDef } from '@junction/config';
import {
  ConfigError,
  formatOf,
  InputError,
  toBusError,
  type Ack,
  type IngressBinding,
  type IngressConnector,
  type MessageSink,
} from '@junction/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forwardable, messageHeadersFrom } from './http-headers';
import { PROBLEM_CONTENT_TYPE, problemFor } from './problem';

export interface HttpIngressOptions {
  /** When set, callers must send `Authorization: Bearer <token>`. */
  readonly token?: string;
}

interface Bound {
  readonly routeId: string;
}

/**
 * HTTP ingress: one catch-all POST/PUT handler on the bus's Fastify instance, dispatching by path through a table
 * that `bind` swaps atomically on reload. It runs outside Nest's controller pipeline so that the hot path carries no
 * framework layers. The caller is answered only after the bus acknowledged the message.
 */
export class HttpIngress implements IngressConnector<HttpSourceDef> {
  readonly kind = 'http';
  private table = new Map<string, Bound>();
  private paths = new Set<string>();
  private sink?: MessageSink;
  private closing = false;
  private inFlight = 0;
  private readonly token?: Buffer;

  constructor(
    private readonly fastify: FastifyInstance,
    options: HttpIngressOptions = {},
  ) {
    this.token = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  }

  verify(bindings: readonly IngressBinding<HttpSourceDef>[]): void {
    buildTable(bindings);
  }

  async start(sink: MessageSink): Promise<void> {
    this.sink = sink;
    // An encapsulated scope of its own, so that Fastify's refusals on this route (body over the limit, unreadable
    // body) are answered as problems here whatever error handler the rest of the app installs.
    this.fastify.register(async (scope) => {
      scope.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        problem(reply, status, status === 500 ? 'INTERNAL' : (err.code ?? `HTTP_${status}`), status === 500 ? 'internal error' : err.message);
      });
      scope.route({ method: ['POST', 'PUT'], url: '/*', handler: (req, reply) => this.handle(req, reply) });
    });
  }

  bind(bindings: readonly IngressBinding<HttpSourceDef>[]): void {
    const { table, paths } = buildTable(bindings);
    this.table = table;
    this.paths = paths;
  }

  /** Refuses new messages (503), then waits for those in flight to be answered, for at most `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = pathOf(req.url);
    const bound = this.table.get(`${req.method} ${path}`);
    if (!bound) {
      const known = this.paths.has(path);
      return problem(reply, known ? 405 : 404, known ? 'METHOD_NOT_ALLOWED' : 'NO_ROUTE', `no route for ${req.method} ${path}`);
    }
    if (this.closing) return problem(reply, 503, 'SHUTTING_DOWN', 'the bus is shutting down');
    if (this.token && !authorized(req.headers.authorization, this.token)) {
      reply.header('www-authenticate', 'Bearer');
      return problem(reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer token');
    }
    const contentType = req.headers['content-type'] ?? '';
    const format = formatOf(contentType);
    if (format !== 'json' && format !== 'xml') {
      return problem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `expected a JSON or XML body, got "${contentType || 'none'}"`);
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (body.length === 0) return problem(reply, 400, 'EMPTY_BODY', 'the request has no body');
    let ack: Ack;
    this.inFlight++;
    try {
      ack = await this.sink!.dispatch(bound.routeId, {
        source: { kind: 'http', address: path },
        headers: messageHeadersFrom(req.headers),
        body,
        contentType,
      });
    } catch (err) {
      const p = problemFor(toBusError(err));
      if (p.messageId) reply.header('x-message-id', p.messageId);
      return void reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
    } finally {
      this.inFlight--;
    }
    reply.header('x-message-id', ack.messageId);
    switch (ack.kind) {
      case 'accepted':
        return void reply.code(202).send({ messageId: ack.messageId, status: 'accepted' });
      case 'filtered':
        return void reply.code(200).send({ messageId: ack.messageId, status: 'filtered' });
      case 'reply': {
        const r = ack.reply;
        const headers = forwardable(r.headers);
        delete headers['date'];
        return void reply.code(r.status).headers(headers).type(r.body.contentType).send(r.body.bytes());
      }
    }
  }
}

function buildTable(bindings: readonly IngressBinding<HttpSourceDef>[]) {
  const table = new Map<string, Bound>();
  const paths = new Set<string>();
  for (const b of bindings) {
    const methods = Array.isArray(b.config.method) ? b.config.method : [b.config.method];
    for (const m of methods) {
      const key = `${m} ${b.config.path}`;
      const taken = table.get(key);
      if (taken) throw new ConfigError(`${key} is claimed by routes ${taken.routeId} and ${b.routeId}`);
      table.set(key, { routeId: b.routeId });
    }
    paths.add(b.config.path);
  }
  return { table, paths };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  if (!header) return false;
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function problem(reply: FastifyReply, status: number, code: string, detail: string): void {
  const p = problemFor(new InputError(code, detail, status));
  reply.code(status).type(PROBLEM_CONTENT_TYPE).send(p);
}
