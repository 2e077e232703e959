import type { HttpSourceDef } from './http.config';
import {
  ConfigError,
  formatOf,
  toBusError,
  type Ack,
  type IngressBinding,
  type IngressConnector,
  type MessageSink,
  type SourceStatus,
} from '@junction/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forwardable, messageHeadersFrom } from '../shared/http-headers';
import { pathOf, sendProblem, type HttpListener, type PathHandler } from '../shared/http-listener';
import { authorized } from '../shared/ingress-auth';
import { PROBLEM_CONTENT_TYPE, problemFor } from '../shared/problem';
import { ListenerStatus } from '../shared/listener-status';

export interface HttpIngressOptions {
  /** When set, callers must send `Authorization: Bearer <token>`. */
  readonly token?: string;
}

/**
 * HTTP ingress: JSON or XML by POST or PUT on a route's own path, mounted on the shared HTTP listener. The caller is
 * answered only after the bus acknowledged the message: 202 (async), the target's reply (sync), or a problem body.
 */
export class HttpIngress implements IngressConnector<HttpSourceDef> {
  readonly kind = 'http';
  private sink?: MessageSink;
  private closing = false;
  private readonly listenerStatus = new ListenerStatus();
  private inFlight = 0;
  private readonly token?: Buffer;

  constructor(
    private readonly listener: HttpListener,
    options: HttpIngressOptions = {},
  ) {
    this.token = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  }

  /** Checks for two routes on one address (the route loader checks the same across ingress kinds). */
  async prepare(bindings: readonly IngressBinding<HttpSourceDef>[]): Promise<void> {
    this.table(bindings);
  }

  async start(sink: MessageSink): Promise<void> {
    this.sink = sink;
    this.listener.start();
  }

  /** Each mounted route, connected while the listener serves it. */
  async status(): Promise<SourceStatus[]> {
    return this.listenerStatus.status();
  }

  bind(bindings: readonly IngressBinding<HttpSourceDef>[]): void {
    this.listener.mount(this.kind, this.table(bindings));
    this.listenerStatus.mounted(bindings.map((b) => b.routeId));
  }

  /** Refuses new messages (503), then waits for those in flight to be answered, for at most `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    this.listenerStatus.stopped();
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private table(bindings: readonly IngressBinding<HttpSourceDef>[]): Map<string, PathHandler> {
    const table = new Map<string, PathHandler>();
    const owner = new Map<string, string>();
    for (const b of bindings) {
      const methods = Array.isArray(b.config.method) ? b.config.method : [b.config.method];
      for (const m of methods) {
        const key = `${m} ${b.config.path}`;
        const taken = owner.get(key);
        if (taken) throw new ConfigError(`${key} is claimed by routes ${taken} and ${b.routeId}`);
        owner.set(key, b.routeId);
        table.set(key, (req, reply) => this.handle(b.routeId, req, reply));
      }
    }
    return table;
  }

  private async handle(routeId: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.closing) return sendProblem(reply, 503, 'SHUTTING_DOWN', 'the bus is shutting down');
    if (this.token && !authorized(req.headers.authorization, this.token)) {
      reply.header('www-authenticate', 'Bearer');
      return sendProblem(reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer token');
    }
    const contentType = req.headers['content-type'] ?? '';
    const format = formatOf(contentType);
    if (format !== 'json' && format !== 'xml') {
      return sendProblem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `expected a JSON or XML body, got "${contentType || 'none'}"`);
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (body.length === 0) return sendProblem(reply, 400, 'EMPTY_BODY', 'the request has no body');
    let ack: Ack;
    this.inFlight++;
    try {
      ack = await this.sink!.dispatch(routeId, {
        source: { kind: 'http', address: pathOf(req.url) },
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
