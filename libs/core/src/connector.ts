import type { Body } from './body';
import type { BusError } from './errors';
import type { Headers, Message, MessageSource } from './message';

/** A target's reply to a delivery. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Body;
}

/**
 * What the bus answers an ingress that handed it a message. Only after this does the ingress answer its caller (HTTP,
 * SOAP) or commit its offset (Kafka).
 * - `accepted`: the message is durably stored; delivery happens after (async routes). `response`: what the ingress's
 *   `prepareAccepted` made for it.
 * - `reply`: the message was delivered and this is the reply to give the caller (sync routes).
 * - `filtered`: a filter dropped the message; it is journaled and nothing was delivered.
 */
export type Ack =
  | { readonly kind: 'accepted'; readonly messageId: string; readonly response?: Reply }
  | { readonly kind: 'reply'; readonly messageId: string; readonly reply: Reply }
  | { readonly kind: 'filtered'; readonly messageId: string };

/** A message as an ingress received it, before the bus gives it an id and parses it. */
export interface Incoming {
  readonly source: MessageSource;
  /** Lower-cased names; transport-level headers (host, content-length, authorization...) already removed. */
  readonly headers: Headers;
  readonly body: Buffer;
  readonly contentType: string;
  /**
   * Optional, for an XML body the ingress built itself (a SOAP payload made canonical): the value in the XML
   * convention that `body` was written from, so that the bus takes the body's value from it instead of parsing
   * `body` (the route's `arrays` paths and limits still apply). `body` must be exactly what it was written as: it
   * is what is journaled and what passthrough targets get.
   */
  readonly parsed?: unknown;
  /**
   * Optional: the ingress wrote `body` itself and vouches that it is well-formed XML within the XML limits (a SOAP
   * payload made canonical), so that the bus does not screen it again; it still parses it for a route that reads it.
   */
  readonly checked?: boolean;
  /**
   * Optional: the ingress could not make a message of what it received (a file that does not read as its flat
   * format). The bus journals it as dead with this reason and its content, so that it is dead-lettered and can be
   * replayed, and refuses it with this error, as it does input its own checks refuse.
   */
  readonly refused?: BusError;
  /**
   * Optional, for sync routes: turns the route's reply into exactly what the ingress will write (a SOAP response
   * envelope, headers a response may carry), or throws a BusError when it cannot be written. The bus calls it before
   * it journals the exchange, so that a reply the caller never gets leaves the message journaled as failed (`dead`,
   * with this error; the targets' deliveries stay as they went), never as `delivered`. The ingress then writes the
   * reply this returned as it is.
   */
  readonly prepareReply?: (reply: Reply) => Reply | Promise<Reply>;
  /**
   * Optional, for async routes: the answer to give for the accepted message (a SOAP response built from the route's
   * `ack`), made before the message is committed; a throw refuses the message (journaled dead with this error, never
   * delivered), so that a caller who gets an error never finds it accepted. The Ack carries it as `response`.
   */
  readonly prepareAccepted?: (messageId: string) => Promise<Reply>;
  /**
   * What the bus does when the workers that parse large bodies are all busy and their backlog is full. `refuse`
   * (default), for a caller who can be told to retry (HTTP, SOAP): a BusyError (503 with Retry-After), nothing taken
   * or journaled. `wait`, for a consumer whose own prefetch bounds what waits (a broker, a poller): its turn.
   */
  readonly whenBusy?: 'refuse' | 'wait';
}

/**
 * The bus as an ingress sees it. `dispatch` resolves with an Ack, or rejects with a BusError (carrying `messageId`
 * once one was given) when the bus did not take the message: bad input, store down, sync delivery failed. Whatever
 * failed after the message got its id has been journaled and dead-lettered, except a store outage.
 */
export interface MessageSink {
  dispatch(routeId: string, incoming: Incoming): Promise<Ack>;
}

/** A route's source as handed to the ingress connector of its kind. */
export interface IngressBinding<C = unknown> {
  readonly routeId: string;
  readonly mode: 'sync' | 'async';
  readonly config: C;
  /** Folder of the route file: relative paths in the config (a WSDL, a schema) are resolved against it. */
  readonly baseDir: string;
  /**
   * The route's XML options (`xml:` in the route file), for an ingress that evaluates route expressions on XML itself
   * (a SOAP `ack`), so that it reads the document as the route does: the same `arrays` and namespace prefixes.
   */
  readonly xml?: { readonly arrays?: readonly string[]; readonly namespaces?: Readonly<Record<string, string>> };
}

/**
 * Ingress side of a connector (a Camel consumer). Lifecycle: the bus calls `start` once with its sink; then, at start
 * and on every route reload, `prepare` with the new bindings of this kind and, only when every connector prepared
 * without error, `bind` with the same bindings (the new set replaces the old one atomically: in-flight messages
 * finish on the bindings they started with); `close` at shutdown stops taking new messages and waits for in-flight
 * ones. No I/O happens in constructors.
 */
export interface IngressConnector<C = unknown> {
  readonly kind: string;
  /**
   * Checks a binding set and loads what it needs (a WSDL...) before it may replace the current one; rejects with a
   * ConfigError (duplicate addresses, unreadable files). Must not change what is bound now.
   */
  prepare(bindings: readonly IngressBinding<C>[]): Promise<void>;
  start(sink: MessageSink): Promise<void>;
  bind(bindings: readonly IngressBinding<C>[]): void;
  /** Stops taking messages and waits (at most `timeoutMs`) for those already handed to the bus. */
  close(timeoutMs?: number): Promise<void>;
  /** The state of each bound route's source; cheap enough to be read every few seconds (bounded I/O). */
  status?(): Promise<readonly SourceStatus[]>;
}

/**
 * One configured target, prepared once at route load (URL parsed, pool chosen, header templates compiled) so that
 * sending does no per-message set-up work. `send` resolves with the reply or rejects with a DeliveryError whose
 * `retriable` flag decides whether the bus tries again.
 */
export interface EgressEndpoint {
  /** A short human description (method and URL with secrets removed) for logs and the admin API. */
  readonly description: string;
  /**
   * Present when where the message goes depends on the message (an HTTP URL with `{expr}` parts). The route runner
   * resolves it once per dispatch, on the copy the target gets (its own steps applied, its body not yet converted),
   * and the result travels with the delivery (journaled in the outbox) to `send`.
   */
  readonly address?: AddressTemplate;
  /**
   * Sends one message. `address` is what `address.resolve` gave for this message; an endpoint with an address
   * template refuses a message without one (a non-retriable DeliveryError), one without a template ignores it.
   */
  send(message: Message, signal?: AbortSignal, address?: string): Promise<Reply>;
}

/** A target address computed per message from expressions compiled once, at route load. */
export interface AddressTemplate {
  /** False when no expression reads the body (only `$params`, `$query`, `$headers`...): the body may stay unparsed. */
  readonly readsBody: boolean;
  /**
   * The address for one message (an HTTP path and query), from the body's JSON form and the route's expression
   * bindings. Rejects with a StepError when an expression fails or gives a value that may not stand there.
   */
  resolve(body: unknown, bindings: Readonly<Record<string, unknown>>): Promise<string>;
}

/** Where a target is configured: its route, and the route file's folder for relative paths (a WSDL, a key). */
export interface EndpointContext {
  readonly routeId: string;
  readonly baseDir: string;
}

/**
 * Egress side of a connector (a Camel producer). `endpoint` is called at route load for each target of this kind and
 * must not do network I/O (reading a small local file, such as a client certificate, is allowed); what needs the
 * network (a remote WSDL) is fetched on first use and cached. `close` releases pools and connections at shutdown.
 */
export interface EgressConnector<C = unknown> {
  readonly kind: string;
  endpoint(config: C, context: EndpointContext): EgressEndpoint;
  close(): Promise<void>;
}

export type { Headers };

/** State of one route's link to its source (a broker consumer, a listener mount, a schedule). */
export type LinkState = 'connected' | 'connecting' | 'reconnecting' | 'stopped';

/**
 * What an ingress reports of one route's source, for `GET /admin/connectors`, the metrics and the dashboard. Kinds
 * fill what they know: a broker its backlog (Kafka lag, an AMQP queue's ready messages), a listener only its state.
 */
export interface SourceStatus {
  readonly routeId: string;
  readonly state: LinkState;
  /** Since when (epoch ms) the source is in this state. */
  readonly since: number;
  /** Messages waiting at the source: consumer lag, queue depth. Absent when the kind cannot tell. */
  readonly backlog?: number;
  /** The last connection error, when not connected (no secrets: connectors strip credentials from it). */
  readonly error?: string;
  /** Kind-specific detail for the admin API (partitions and offsets, a queue's name...). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** What a running connector reports of itself: the state of each route's source it serves. */
export interface ConnectorStatus {
  readonly kind: string;
  readonly sources: readonly SourceStatus[];
}
