import { formatOf, InputError, type BusError } from '@junction/core';
import type { WorkerPool } from '@junction/transform';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { closingAfterRefusal, LINGER_IDLE_MS, LINGER_MS, lingerBeforeClose, type LingerBounds } from './lingering-close';
import { PathMatcher } from './path-matcher';
import { isRequestRefusal, PROBLEM_CONTENT_TYPE, problemFor, problemHeaders, requestError, retryAfter, type Problem } from './problem';

/** Answers one request on a path an ingress mounted; `params` holds the path parameters its pattern matched. */
export type PathHandler = (req: FastifyRequest, reply: FastifyReply, params: Readonly<Record<string, string>>) => Promise<void>;

/** A path an ingress mounts: the route whose source it is, and its handler. */
export interface MountedPath {
  readonly routeId: string;
  readonly handle: PathHandler;
}

/**
 * Told of each request for a route refused before it was handed to the bus (the bus's telemetry counts them): the
 * listener's refusals from headers or of an unreadable body, and those the ingresses make (refusedBeforeBus).
 */
export type RefusalCounter = (routeId: string, error: BusError) => void;

/**
 * Answers a request refused around its handler (Fastify's refusals: a body over the limit, an unreadable body; or an
 * error the handler let through), in the protocol of the ingress that mounted the path: a SOAP Fault rather than a
 * problem body, say.
 */
export type RefusalHandler = (err: BusError, req: FastifyRequest, reply: FastifyReply) => void;

interface Mounted {
  readonly routeId: string;
  readonly handle: PathHandler;
  readonly refuse?: RefusalHandler;
}

/** Fastify's own default body limit, for an instance that does not say (1 MiB). */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** The methods ingress routes may take. */
export const LISTENER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The bus's HTTP listener as ingresses share it: one catch-all route on the Fastify instance (outside Nest's
 * controller pipeline, so the hot path carries no framework layers), dispatching by `METHOD path` through tables that
 * each ingress kind (http, soap) mounts and replaces atomically on reload. A table's paths may be patterns
 * (`/customers/:id`, see PathMatcher for precedence); the matcher is built on mount, never per request. Routes Nest
 * declares (admin, health) are static and take precedence in Fastify's router.
 *
 * An XML body of a declared length the XML workers would take while their backlog is full is refused (503,
 * Retry-After) from its headers alone: every XML body on these paths goes to the workers from that size (an HTTP
 * route's is parsed, checked or screened; a SOAP envelope read), and reading 100 KB only to refuse it cost the event
 * loop what the callers it can serve need, as a flood's clients retry at once. The answer says `Connection: close`,
 * so that a client's retry pays a new connection rather than following on the same one at once, and the close
 * lingers (lingerBeforeClose): the unread body is read and discarded until it has all arrived, or for at most 30 s,
 * 5 s without a byte, or the body limit in bytes. Closing at once reset the connection under a client still sending
 * a large body, which then never read its 503 (seen with 8 MB bodies on a loaded machine).
 *
 * Such refusals come before the bus makes a message of the request, so the exchange never sees them: the listener
 * tells its RefusalCounter of each one on a route's path (from the headers, a body over the limit or unreadable), as
 * the ingresses do of theirs, so that a flood shows in the refused counts.
 */
export class HttpListener {
  private readonly tables = new Map<string, { readonly table: ReadonlyMap<string, MountedPath>; readonly refuse?: RefusalHandler }>();
  private matcher = new PathMatcher<Mounted>([]);
  private started = false;
  private lingerBounds?: LingerBounds;

  /** @param xmlWorkers the bus's XML workers, whose backlog decides the refusals from headers (see the class);
   *   without them every body is read and left to the pool to refuse.
   *  @param counted told of each refusal before the bus (see the class). */
  constructor(
    private readonly fastify: FastifyInstance,
    private readonly xmlWorkers?: WorkerPool,
    private readonly counted: RefusalCounter = () => undefined,
  ) {}

  /** Registers the catch-all route; must run before the server starts listening. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // An encapsulated scope of its own, so that Fastify's refusals on these routes (body over the limit, unreadable
    // body) are answered here whatever error handler the rest of the app installs: as problems, or as the mounting
    // ingress answers refusals.
    this.fastify.register(async (scope) => {
      scope.setErrorHandler((err: FastifyError, req, reply) => this.refuse(err, req, reply));
      scope.addHook('onRequest', (req, reply, done) => this.admit(req, reply, done));
      scope.route({ method: [...LISTENER_METHODS], url: '/*', handler: (req, reply) => this.dispatch(req, reply) });
    });
  }

  /**
   * Replaces the handlers of one ingress kind (keys `POST /orders`, `GET /customers/:id`). Two kinds must not claim
   * one key (the route loader refuses it, through each connector's sourceKeys); if they did, the later kind's wins.
   * `refuse` answers refusals on the kind's paths; without it they get a problem body.
   */
  mount(kind: string, table: ReadonlyMap<string, MountedPath>, refuse?: RefusalHandler): void {
    this.tables.set(kind, { table, refuse });
    const entries: Array<[string, string, Mounted]> = [];
    for (const t of this.tables.values()) {
      for (const [key, { routeId, handle }] of t.table) {
        const space = key.indexOf(' ');
        entries.push([key.slice(0, space), key.slice(space + 1), { routeId, handle, refuse: t.refuse }]);
      }
    }
    this.matcher = new PathMatcher(entries);
  }

  /** Lets a request's body be read, unless the XML workers would refuse it (see the class): then answers 503 at once. */
  private admit(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    // A request pipelined behind a refusal that closes the connection is left unanswered and unprocessed (RFC 9112,
    // 9.6): the connection ends once the refused body is in.
    if (closingAfterRefusal(req.raw.socket)) return;
    const declared = req.headers['content-length'];
    const workers = declared === undefined ? undefined : this.xmlWorkers;
    // The pool's answer first: undefined at once for a small body or a free worker, the common case.
    const refusal = workers?.refusal(Number(declared));
    if (!refusal || formatOf(req.headers['content-type']) !== 'xml') return done();
    const found = this.matcher.match(req.method, pathOf(req.url));
    if (found === undefined || !('value' in found)) return done();
    reply.header('connection', 'close');
    reply.header('retry-after', retryAfter(refusal));
    lingerBeforeClose(req.raw, this.linger());
    this.counted(found.value.routeId, refusal);
    this.answerRefusal(found.value.refuse, refusal, req, reply);
  }

  /** Counts a refusal an ingress made of a request for `routeId` before handing it to the bus (see the class). */
  refusedBeforeBus(routeId: string, error: BusError): void {
    this.counted(routeId, error);
  }

  /** The bounds of a refused body's lingering close: at most the bytes the listener would have read to take it. */
  private linger(): LingerBounds {
    this.lingerBounds ??= { maxBytes: this.fastify.initialConfig?.bodyLimit ?? DEFAULT_BODY_LIMIT, maxMs: LINGER_MS, idleMs: LINGER_IDLE_MS };
    return this.lingerBounds;
  }

  /** Fastify's refusals of a request (before its handler: counted) and errors a handler let through (not). */
  private refuse(thrown: unknown, req: FastifyRequest, reply: FastifyReply): void {
    const err = requestError(thrown);
    const found = this.matcher.match(req.method, pathOf(req.url));
    const mounted = found && 'value' in found ? found.value : undefined;
    if (mounted && isRequestRefusal(thrown)) this.counted(mounted.routeId, err);
    this.answerRefusal(mounted?.refuse, err, req, reply);
  }

  private answerRefusal(refuse: RefusalHandler | undefined, err: BusError, req: FastifyRequest, reply: FastifyReply): void {
    if (refuse) return refuse(err, req, reply);
    replyProblem(reply, problemFor(err));
  }

  private async dispatch(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = pathOf(req.url);
    const found = this.matcher.match(req.method, path);
    if (found === undefined) {
      const allowed = this.matcher.methodsAt(path);
      if (allowed.length === 0) return sendProblem(reply, 404, 'NO_ROUTE', `no route for ${req.method} ${path}`);
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, 405, 'METHOD_NOT_ALLOWED', `${path} does not take ${req.method}`);
    }
    if ('refused' in found) return sendProblem(reply, 400, 'BAD_PATH', found.refused);
    return found.value.handle(req, reply, found.params);
  }
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Answers with an RFC 9457 problem body. */
export function sendProblem(reply: FastifyReply, status: number, code: string, detail: string): void {
  replyProblem(reply, problemFor(new InputError(code, detail, status)));
}

/** Answers with a problem body and the headers that go with it (problemHeaders). */
export function replyProblem(reply: FastifyReply, p: Problem): void {
  void reply.code(p.status).headers(problemHeaders(p)).type(PROBLEM_CONTENT_TYPE).send(p);
}
