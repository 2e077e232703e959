import { parseTraceparent } from '@junction/core';
import type { AttemptOutcome, BusMetrics, CompletionStatus, RouteMode } from './bus-metrics';
import type { DeliveryRef, DeliveryTracker } from './delivery-tracker';

/** A message as the observer sees it (the bus's Message and the store's StoredMessage fit). */
export interface MessageRef {
  readonly id: string;
  readonly correlationId: string;
  /** Lower-cased names; a `traceparent` puts its trace and span ids on the log lines. */
  readonly headers: Readonly<Record<string, string>>;
}

/** Why something failed: a BusError code and its message. */
export interface FailureRef {
  readonly code: string;
  readonly message: string;
}

/**
 * What the engine tells about its work, as it happens. Calls are synchronous, cheap and never throw; they only
 * observe (nothing the engine does depends on them). Latencies and durations are in ms.
 */
export interface BusObserver {
  /** A message came in on a loaded route, before any check. */
  received(route: string, message: MessageRef & { readonly source: { readonly kind: string } }): void;
  /** The bus refused the message (bad input, store down): the caller got an error and nothing else happens to it. */
  rejected(route: string, message: MessageRef, error: FailureRef): void;
  /**
   * A request for `route` was refused before a message was made of it: from its headers (a full XML-worker backlog,
   * a body over the limit), its body unreadable or of the wrong type, its caller unauthorized, the route over its
   * throttle. Counted with the refused messages (it was never received), so that a flood of them shows.
   */
  refusedRequest(route: string, error: FailureRef): void;
  /**
   * A message reached its final status: a sync exchange ended, or an async message was routed to no delivery
   * (filtered, wire taps only) or failed in its steps. `latencyMs` runs from its reception.
   */
  completed(route: string, mode: RouteMode, message: MessageRef, status: CompletionStatus, latencyMs: number, failure?: FailureRef): void;
  /** An async message was routed to `deliveries` (> 0) non-wire-tap deliveries; it completes when they settle. */
  routed(route: string, message: MessageRef & { readonly receivedAt: number }, deliveries: number): void;
  /** One attempt at a target ended; a retry comes with its due time, a failure with its error. */
  attempted(
    route: string,
    target: string,
    outcome: AttemptOutcome,
    durationMs: number,
    delivery: DeliveryRef,
    detail?: { readonly nextAttemptAt?: number; readonly error?: FailureRef },
  ): void;
  /** Work on a message or delivery of `route` started (+1) or ended (-1) in this instance. */
  inFlight(route: string, delta: 1 | -1): void;
  /** A route reload was applied (`ok`) or refused. */
  reloaded(ok: boolean): void;
  /** A sync exchange was answered, but its record, written after the reply, could not be committed. */
  unjournaled(route: string, message: MessageRef, error: FailureRef): void;
}

/** An observer that does nothing (engine parts built without telemetry, as in unit specs). */
export const NOOP_OBSERVER: BusObserver = {
  received() {},
  rejected() {},
  refusedRequest() {},
  completed() {},
  routed() {},
  attempted() {},
  inFlight() {},
  reloaded() {},
  unjournaled() {},
};

/** The logging surface the observer needs: pino's (`isLevelEnabled` spares building lines nobody reads). */
export interface ObserverLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  isLevelEnabled?(level: string): boolean;
}

/**
 * The observer of a running bus: every call updates the metrics (Prometheus and live figures in one) and writes the
 * message's log line: debug when things went well, warn on a refusal or a dead letter (a request refused before it
 * was a message is logged at debug). Lines carry `route`,
 * `messageId`, `correlationId`, `traceId` and `spanId` (from a W3C `traceparent`, when there is one), and `target`
 * for deliveries. Async completions come from the DeliveryTracker, which follows a routed message to its last
 * delivery.
 */
export class TelemetryObserver implements BusObserver {
  constructor(
    private readonly metrics: BusMetrics,
    private readonly tracker: DeliveryTracker,
    private readonly log: ObserverLogger,
    private readonly now: () => number = Date.now,
  ) {}

  received(route: string, message: MessageRef & { readonly source: { readonly kind: string } }): void {
    this.metrics.received(route, message.source.kind);
    if (this.debugging()) this.log.debug({ ...fields(route, message.id, message), source: message.source.kind }, 'message received');
  }

  rejected(route: string, message: MessageRef, error: FailureRef): void {
    this.metrics.rejected(route, error.code);
    this.log.warn({ ...fields(route, message.id, message), code: error.code, error: error.message }, 'message refused');
  }

  refusedRequest(route: string, error: FailureRef): void {
    this.metrics.rejected(route, error.code);
    // At debug: a flood refused from its headers would otherwise write a line per request, when the counter says it.
    if (this.debugging()) this.log.debug({ route, code: error.code, error: error.message }, 'request refused');
  }

  completed(route: string, mode: RouteMode, message: MessageRef, status: CompletionStatus, latencyMs: number, failure?: FailureRef): void {
    this.metrics.completed(route, mode, status, latencyMs);
    if (status === 'dead') {
      const why = failure ? { code: failure.code, error: failure.message } : {};
      this.log.warn({ ...fields(route, message.id, message), mode, latencyMs, ...why }, 'message dead');
    } else if (this.debugging()) {
      this.log.debug({ ...fields(route, message.id, message), mode, latencyMs }, `message ${status}`);
    }
  }

  routed(route: string, message: MessageRef & { readonly receivedAt: number }, deliveries: number): void {
    this.tracker.routed(message.id, { route, receivedAt: message.receivedAt }, deliveries);
    if (this.debugging()) this.log.debug({ ...fields(route, message.id, message), deliveries }, 'message routed');
  }

  attempted(
    route: string,
    target: string,
    outcome: AttemptOutcome,
    durationMs: number,
    delivery: DeliveryRef,
    detail?: { readonly nextAttemptAt?: number; readonly error?: FailureRef },
  ): void {
    this.metrics.attempted(route, target, outcome, durationMs);
    const settled = this.tracker.attempted(route, delivery, outcome, detail?.nextAttemptAt);
    if (outcome === 'dead' || this.debugging()) {
      const error = detail?.error ? { code: detail.error.code, error: detail.error.message } : {};
      const line = { ...fields(route, delivery.messageId, delivery), target, deliveryId: delivery.id, durationMs, ...error };
      if (outcome === 'dead') this.log.warn(line, 'delivery dead-lettered');
      else this.log.debug(line, outcome === 'retry' ? 'delivery failed; will retry' : 'delivered to target');
    }
    if (settled) {
      const latencyMs = this.now() - settled.receivedAt;
      this.completed(settled.route, 'async', { id: delivery.messageId, correlationId: delivery.correlationId, headers: delivery.headers }, settled.status, latencyMs);
    }
  }

  inFlight(route: string, delta: 1 | -1): void {
    this.metrics.inFlight(route, delta);
  }

  reloaded(ok: boolean): void {
    this.metrics.reloaded(ok);
  }

  unjournaled(route: string, message: MessageRef, error: FailureRef): void {
    this.metrics.unjournaled(route);
    this.log.warn({ ...fields(route, message.id, message), code: error.code, error: error.message }, 'answered, but its journal record was not written');
  }

  private debugging(): boolean {
    return this.log.isLevelEnabled?.('debug') ?? true;
  }
}

/** The fields every per-message line carries. */
function fields(route: string, messageId: string, m: { correlationId: string; headers: Readonly<Record<string, string>> }) {
  const trace = parseTraceparent(m.headers.traceparent);
  return trace
    ? { route, messageId, correlationId: m.correlationId, traceId: trace.traceId, spanId: trace.spanId }
    : { route, messageId, correlationId: m.correlationId };
}
