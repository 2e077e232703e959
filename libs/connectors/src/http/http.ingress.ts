import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { HttpSourceDef } from './http.config';
import {
  BusError,
  ConfigError,
  formatOf,
  InputError,
  toBusError,
  type Ack,
  type IngressBinding,
  type IngressConnector,
  type MessageSink,
  type Reply,
  type SourceStatus,
} from '@junction/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forwardable, messageHeadersFrom } from '../shared/http-headers';
import { replyProblem, type HttpListener, type MountedPath } from '../shared/http-listener';
import { authorized } from '../shared/ingress-auth';
import { pathKey } from '../shared/path-pattern';
import { problemFor } from '../shared/problem';
import { ListenerStatus } from '../shared/listener-status';

export interface HttpIngressOptions {
  /** When set, callers must send `Authorization: Bearer <token>`. */
  readonly token?: string;
}

/** The body of a GET or DELETE that came without one: routes see an empty JSON object. */
const EMPTY_JSON = Buffer.from('{}');
const NO_BYTES = Buffer.alloc(0);
const BODYLESS = new Set(['GET', 'DELETE']);

/**
 * HTTP ingress: JSON or XML on a route's own path (or path pattern), by the methods the route takes, mounted on the
 * shared HTTP listener. The message's source carries the request's path and query as received (its address), the
 * path parameters (`$params`) and the query parameters (`$query`). A GET or DELETE without a body becomes the JSON body
 * `{}`; a POST, PUT or PATCH needs a JSON or XML body, or text with `text: true` (415 without a content type that says
 * so, 400 when empty). The caller is answered only after the bus acknowledged the message: 202 (async), the target's
 * reply (sync), or a problem body.
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

  private table(bindings: readonly IngressBinding<HttpSourceDef>[]): Map<string, MountedPath> {
    const table = new Map<string, MountedPath>();
    const owner = new Map<string, string>();
    for (const b of bindings) {
      const methods = Array.isArray(b.config.method) ? b.config.method : [b.config.method];
      for (const m of methods) {
        const claim = `${m} ${pathKey(b.config.path)}`;
        const taken = owner.get(claim);
        if (taken) throw new ConfigError(`${m} ${b.config.path} is claimed by routes ${taken} and ${b.routeId}`);
        owner.set(claim, b.routeId);
        table.set(`${m} ${b.config.path}`, { routeId: b.routeId, handle: (req, reply, params) => this.handle(b.routeId, req, reply, params, b.config.text) });
      }
    }
    return table;
  }

  private async handle(
    routeId: string,
    req: FastifyRequest,
    reply: FastifyReply,
    params: Readonly<Record<string, string>>,
    text = false,
  ): Promise<void> {
    if (this.closing) return this.refuse(routeId, reply, 503, 'SHUTTING_DOWN', 'the bus is shutting down');
    if (this.token && !authorized(req.headers.authorization, this.token)) {
      reply.header('www-authenticate', 'Bearer');
      return this.refuse(routeId, reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer token');
    }
    let body = Buffer.isBuffer(req.body) ? req.body : NO_BYTES;
    let contentType = req.headers['content-type'] ?? '';
    if (body.length === 0 && BODYLESS.has(req.method)) {
      // Fastify never reads a GET's body; a DELETE usually has none. Either way the route gets `{}`.
      body = EMPTY_JSON;
      contentType = 'application/json';
    } else {
      const format = formatOf(contentType);
      if (format !== 'json' && format !== 'xml' && !(text && format === 'text')) {
        const expected = text ? 'a JSON, XML or text body' : 'a JSON or XML body';
        return this.refuse(routeId, reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `expected ${expected}, got "${contentType || 'none'}"`);
      }
      if (body.length === 0) return this.refuse(routeId, reply, 400, 'EMPTY_BODY', 'the request has no body');
    }
    let ack: Ack;
    this.inFlight++;
    try {
      ack = await this.sink!.dispatch(routeId, {
        source: { kind: 'http', address: req.url, params, query: queryOf(req) },
        headers: messageHeadersFrom(req.headers, req.socket.remoteAddress),
        body,
        contentType,
        prepareReply: writableReply,
      });
    } catch (err) {
      return replyProblem(reply, problemFor(toBusError(err)));
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
        return void reply.code(r.status).headers(r.headers).type(r.body.contentType).send(r.body.bytes());
      }
    }
  }

  /** Refuses a request before the bus made a message of it: answered with a problem, counted by the listener. */
  private refuse(routeId: string, reply: FastifyReply, status: number, code: string, detail: string): void {
    const error = new InputError(code, detail, status);
    this.listener.refusedBeforeBus(routeId, error);
    replyProblem(reply, problemFor(error));
  }
}

/**
 * A sync route's reply as the response the caller gets: the headers that may go on, each one a header Node can write,
 * a status a response may have, the body's bytes made. Anything else is refused (`REPLY_UNWRITABLE`, a 500) before the
 * exchange is journaled, so that the message is journaled as failed rather than delivered.
 */
function writableReply(r: Reply): Reply {
  // The target's Date is not the bus's: Node writes its own.
  const headers = forwardable(r.headers, 'date');
  const refuse = (why: string, cause?: unknown) => new BusError('REPLY_UNWRITABLE', `the reply cannot be written: ${why}`, { cause });
  if (!Number.isInteger(r.status) || r.status < 200 || r.status > 599) throw refuse(`status ${r.status} is not a response status`);
  const check = (name: string, value: string) => {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (err) {
      throw refuse(`header ${JSON.stringify(name)}: ${(err as Error).message}`, err);
    }
  };
  // forwardable leaves no content-type: the body's own is the one written.
  for (const name in headers) check(name, headers[name]);
  check('content-type', r.body.contentType);
  try {
    r.body.bytes();
  } catch (err) {
    throw refuse(toBusError(err).message, err);
  }
  return { status: r.status, headers, body: r.body };
}

const NO_QUERY: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The query parameters as Fastify parsed them (percent-decoded, `+` as a space, a repeated name as an array), copied
 * into a plain object: Fastify's has no prototype, and the copy is what the journal stores.
 */
function queryOf(req: FastifyRequest): Readonly<Record<string, string | readonly string[]>> {
  const q = req.query as Record<string, string | string[]> | undefined;
  if (!q) return NO_QUERY;
  for (const _ in q) return { ...q };
  return NO_QUERY;
}
