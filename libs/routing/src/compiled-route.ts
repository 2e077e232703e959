import type { BodyFormat, EgressEndpoint, Message, Reply } from '@junction/core';
import type { BreakerPolicy, RateLimit, RetryDef, RouteDef, SourceDef } from '@junction/config';
import type { JsonLimits, JsonStyle, Masker, XmlCodec } from '@junction/transform';
import type { CompiledIdempotent } from './idempotent-key';
import type { CompiledAggregator, HeldMessage } from './steps/aggregate.step';
import type { RouteGraph } from './route-graph';

/** A target prepared at load: its endpoint, retry policy and the body format it expects. */
export interface CompiledTarget {
  /** Unique within the route; names the target in the journal, the admin API and route tests. */
  readonly id: string;
  readonly kind: string;
  readonly description: string;
  readonly endpoint: EgressEndpoint;
  readonly retry: RetryDef;
  readonly format: 'json' | 'xml' | 'asis';
  /** How an XML body becomes JSON for a `format: json` target: `plain` (default) or `lossless` (the convention). */
  readonly style?: JsonStyle;
  readonly xmlRoot?: string;
  /** In a sync route, this target's reply goes back to the caller. */
  readonly reply: boolean;
  /**
   * The target sends the body's bytes as they are (its connector says so): `true` for any body (HTTP `format: asis`),
   * a format for a body already in it (HTTP `format: json` and a JSON body), `false` never. No parsing needed then.
   */
  readonly passthrough: boolean | 'json' | 'xml';
  /** The target's own transform steps, applied to its copy before it is dispatched (identity when none). */
  readonly prepare: Transformer;
  /**
   * Present when the target's address depends on the message (an HTTP URL with `{expr}`): resolves it on the copy
   * `prepare` made, with the route's expression bindings. Rejects with a StepError.
   */
  readonly address?: (message: Message) => Promise<string>;
  /** Throttle, bulkhead and circuit breaker of the target's outbox deliveries; absent when it sets none. */
  readonly resilience?: TargetResilience;
}

/** The resilience patterns a target sets (each absent when not set); the engine keeps their state. */
export interface TargetResilience {
  readonly throttle?: RateLimit;
  readonly maxInFlight?: number;
  readonly breaker?: BreakerPolicy;
}

/** One connector config in a route: the source's or a target's, with where it stands in the definition. */
export interface ConnectorConfig {
  readonly role: 'source' | 'target';
  readonly kind: string;
  readonly config: unknown;
  /** Path of the config in the route definition, e.g. `['to', 0, 'soap']`. */
  readonly path: readonly (string | number)[];
}

/** A message bound for a target, produced by running a route's flow. */
export interface Dispatch {
  readonly target: CompiledTarget;
  readonly message: Message;
  /** Wire-tap copies are always delivered through the outbox and never affect the message's outcome. */
  readonly wireTap: boolean;
  /** The address the target's template resolved to for this copy (journaled with the delivery); absent otherwise. */
  readonly address?: string;
  /**
   * Made by a part of an `ordered` split: the copies a run makes for one target with this flag go to it one after the
   * other, in the order they were dispatched (document order), each once the one before it was delivered or
   * dead-lettered.
   */
  readonly ordered?: boolean;
}

/**
 * What a flow needs from the bus while it runs: the place to put its dispatches, and a way to call a target inline
 * (the content enricher). The route compiler knows nothing of stores or transports beyond this.
 */
export interface FlowContext {
  dispatch(d: Dispatch): void;
  /** Records that a filter dropped the message (or a part of it). */
  filtered(message: Message): void;
  /**
   * Calls a target and waits for its reply, with the target's retry policy; rejects with a DeliveryError. `address`
   * is the target's resolved address, when it has a template.
   */
  call(target: CompiledTarget, message: Message, address?: string): Promise<Reply>;
  /** Holds the message in an aggregation group (an aggregate step); absent where nothing can be held (sync routes). */
  hold?(held: HeldMessage): void;
}

/** A compiled chain of steps: runs the message through and ends in dispatches, a filter, or the next runner. */
export type Runner = (message: Message, ctx: FlowContext) => Promise<void>;

/** A compiled chain of steps applied to one message that yields the transformed message (reply steps). */
export type Transformer = (message: Message) => Promise<Message>;

/** A route ready to run: everything parsed, compiled and cached at load, nothing left to do per message. */
export interface CompiledRoute {
  readonly id: string;
  readonly description: string;
  readonly mode: 'sync' | 'async';
  readonly source: SourceDef;
  /** The connector kind of the source. */
  readonly sourceKind: string;
  /** The source's and every target's connector config with its path in the route, for the connectors' checks. */
  readonly configs: readonly ConnectorConfig[];
  readonly def: RouteDef;
  /** The route as written (placeholders kept), for the admin API. */
  readonly display: unknown;
  readonly file: string;
  /** Folder of the route file, for relative paths in the source config (a WSDL). */
  readonly baseDir: string;
  readonly codec: XmlCodec;
  /** Limits of the route's JSON bodies, wherever they are read (ingress, outbox, replies to sync callers). */
  readonly jsonLimits: JsonLimits;
  /** Every target of the route, by id, wherever it appears in the flow. */
  readonly targets: ReadonlyMap<string, CompiledTarget>;
  readonly run: Runner;
  readonly transformReply: Transformer;
  /** Evaluates the route's business key on a message, or resolves undefined when none is declared. */
  businessKey(message: Message): Promise<string | undefined>;
  /** Masks what the route marks as sensitive (and credential headers) for the journal's readers. */
  readonly masker: Masker;
  /** False for a passthrough: nothing in the route reads the parsed body, so ingress does not parse it. True when
   *  a body of some format is read (see readsBodyOf). */
  readonly readsBody: boolean;
  /** Whether routing a body of this format reads its parsed value: a target that converts only the other format
   *  (HTTP `format: json` and a JSON body) sends the bytes as they are, so such a body is screened, not parsed. */
  readonly readsBodyOf: (format: BodyFormat) => boolean;
  /** The route's Idempotent Consumer, when it has one: ingress accepts its messages once per key. */
  readonly idempotent?: CompiledIdempotent;
  /** Async routes whose source names a dead-letter place (Kafka's deadLetterTopic): the target a message refused by
   *  a step in the outbox is copied to, with its reason (also in `targets`, by its id). */
  readonly deadLetter?: CompiledTarget;
  /** The route's own throttle (messages taken in per second); absent when it sets none. */
  readonly throttle?: RateLimit;
  /** The route's aggregate steps by place (`steps.2`): empty for most routes. */
  readonly aggregators: ReadonlyMap<string, CompiledAggregator>;
  /** The flow as a graph (source, steps, branches, targets), built at compile time with the compiled targets' ids. */
  readonly graph: RouteGraph;
}
