import { InputError } from '@junction/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemFor, requestError } from './problem';

/** Answers one request on a path an ingress mounted. */
export type PathHandler = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * The bus's HTTP listener as ingresses share it: one catch-all GET/POST/PUT route on the Fastify instance (outside
 * Nest's controller pipeline, so the hot path carries no framework layers), dispatching by `METHOD path` through
 * tables that each ingress kind (http, soap) mounts and replaces atomically on reload. Routes Nest declares (admin,
 * health) are static and take precedence in Fastify's router.
 */
export class HttpListener {
  private readonly tables = new Map<string, ReadonlyMap<string, PathHandler>>();
  private handlers = new Map<string, PathHandler>();
  private paths = new Set<string>();
  private started = false;

  constructor(private readonly fastify: FastifyInstance) {}

  /** Registers the catch-all route; must run before the server starts listening. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // An encapsulated scope of its own, so that Fastify's refusals on these routes (body over the limit, unreadable
    // body) are answered as problems here whatever error handler the rest of the app installs.
    this.fastify.register(async (scope) => {
      scope.setErrorHandler((err: FastifyError, _req, reply) => {
        const p = problemFor(requestError(err));
        void reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
      });
      scope.route({ method: ['GET', 'POST', 'PUT'], url: '/*', handler: (req, reply) => this.dispatch(req, reply) });
    });
  }

  /** Replaces the handlers of one ingress kind (keys `POST /orders`, `GET /soap/orders`). */
  mount(kind: string, table: ReadonlyMap<string, PathHandler>): void {
    this.tables.set(kind, table);
    const handlers = new Map<string, PathHandler>();
    const paths = new Set<string>();
    for (const t of this.tables.values()) {
      for (const [key, handler] of t) {
        handlers.set(key, handler);
        paths.add(key.slice(key.indexOf(' ') + 1));
      }
    }
    this.handlers = handlers;
    this.paths = paths;
  }

  private async dispatch(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = pathOf(req.url);
    const handler = this.handlers.get(`${req.method} ${path}`);
    if (handler) return handler(req, reply);
    if (this.paths.has(path)) return sendProblem(reply, 405, 'METHOD_NOT_ALLOWED', `${path} does not take ${req.method}`);
    return sendProblem(reply, 404, 'NO_ROUTE', `no route for ${req.method} ${path}`);
  }
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Answers with an RFC 9457 problem body. */
export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string): void {
  const p = problemFor(new InputError(code, detail, status));
  void reply.code(status).type(PROBLEM_CONTENT_TYPE).send(p);
}
