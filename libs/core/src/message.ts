import type { Body } from './body';

/**
 * What a source gives route expressions besides the body and headers: `$params` and `$query`. Journaled with the
 * message, so that an async route's steps and targets see them after the outbox as they were at ingress.
 */
export interface SourceVars {
  /** Path parameters the source's path pattern matched (`/customers/:id` -> `{ id: "42" }`), percent-decoded once. */
  readonly params?: Readonly<Record<string, string>>;
  /** Query parameters as decoded; a parameter given more than once is an array (`?tag=a&tag=b`). */
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * Where a message came in: the ingress kind (http, soap, kafka...), its address (an HTTP request's path and query as
 * received, a topic...), and the variables the source gives route expressions.
 */
export interface MessageSource extends SourceVars {
  readonly kind: string;
  readonly address: string;
}

/** The variables of a source worth journaling: `params` and `query` when not empty; null when there are none. */
export function sourceVarsOf(source: SourceVars): SourceVars | null {
  const params = source.params && Object.keys(source.params).length > 0 ? source.params : undefined;
  const query = source.query && Object.keys(source.query).length > 0 ? source.query : undefined;
  if (!params && !query) return null;
  return { ...(params ? { params } : {}), ...(query ? { query } : {}) };
}

/** One step of a message's way through the bus, kept for the journal and the dashboard. */
export interface Hop {
  readonly at: number;
  readonly step: string;
  readonly note?: string;
}

/** Message headers: lower-cased names, string values. */
export type Headers = Record<string, string>;

/** Where a split part stands: its index and the number of parts, its parent's id and the journaled message's id. */
export interface MessagePart {
  readonly index: number;
  readonly of: number;
  /** The id of the message (or part) it was split from. */
  readonly parentId: string;
  /** The id of the message the journal holds (the top of the tree): the part's deliveries are journaled under it. */
  readonly rootId: string;
}

/**
 * What the steps of one message's run see besides its body and headers: route variables (`$vars`, set by `setVars`
 * steps) and, in reply steps, the request the caller sent (`$request`, `$requestHeaders`). Absent on most messages:
 * a route that uses neither pays nothing for them.
 */
export interface MessageScope {
  readonly vars?: Readonly<Record<string, unknown>>;
  readonly request?: { readonly headers: Readonly<Headers>; readonly body: Body };
}

/**
 * A message on the bus. Identity (id, correlation id, source, receipt time) is fixed; headers and body are replaced
 * by steps through `with*`, which return a new message that shares identity and hop trace.
 */
export class Message {
  constructor(
    readonly id: string,
    readonly correlationId: string,
    readonly source: MessageSource,
    readonly headers: Readonly<Headers>,
    readonly body: Body,
    readonly receivedAt: number,
    readonly hops: Hop[] = [],
    /** Set on the parts of a split message: see MessagePart. */
    readonly part?: MessagePart,
    /** Route variables and the request of a reply: see MessageScope. */
    readonly scope?: MessageScope,
  ) {}

  /** The id under which the journal holds this message: its own, or for a split part the id of the message split. */
  get journalId(): string {
    return this.part ? this.part.rootId : this.id;
  }

  withBody(body: Body): Message {
    return new Message(this.id, this.correlationId, this.source, this.headers, body, this.receivedAt, this.hops, this.part, this.scope);
  }

  withHeaders(headers: Headers): Message {
    return new Message(this.id, this.correlationId, this.source, headers, this.body, this.receivedAt, this.hops, this.part, this.scope);
  }

  /** The same message with these route variables (replacing the ones it had). */
  withScope(scope: MessageScope): Message {
    return new Message(this.id, this.correlationId, this.source, this.headers, this.body, this.receivedAt, this.hops, this.part, scope);
  }

  /**
   * A part of this message produced by a splitter: a message of its own, with the id `<this id>.<index>` (so that
   * splitting the same message again gives the same ids, and a target can drop a part it already has), the same
   * correlation id, the route variables set so far, and a copy of the hops so that parts trace independently.
   */
  asPart(body: Body, index: number, of: number): Message {
    const part: MessagePart = { index, of, parentId: this.id, rootId: this.journalId };
    return new Message(`${this.id}.${index}`, this.correlationId, this.source, this.headers, body, this.receivedAt, [...this.hops], part, this.scope);
  }

  hop(step: string, note?: string): void {
    this.hops.push(note === undefined ? { at: Date.now(), step } : { at: Date.now(), step, note });
  }
}
