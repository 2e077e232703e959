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
    /** Set on the parts of a split message: index of this part and the parent's id. */
    readonly part?: { readonly index: number; readonly of: number },
  ) {}

  withBody(body: Body): Message {
    return new Message(this.id, this.correlationId, this.source, this.headers, body, this.receivedAt, this.hops, this.part);
  }

  withHeaders(headers: Headers): Message {
    return new Message(this.id, this.correlationId, this.source, headers, this.body, this.receivedAt, this.hops, this.part);
  }

  /** A part of this message produced by a splitter; hops are copied so that parts trace independently. */
  asPart(body: Body, index: number, of: number): Message {
    return new Message(this.id, this.correlationId, this.source, this.headers, body, this.receivedAt, [...this.hops], {
      index,
      of,
    });
  }

  hop(step: string, note?: string): void {
    this.hops.push(note === undefined ? { at: Date.now(), step } : { at: Date.now(), step, note });
  }
}
