/**
 * The one error tree of the bus. Every error says whether trying again may help (`retriable`); retry loops decide on
 * that flag alone. Libraries throw these, never HTTP exceptions: each app maps them to a problem body or a Fault in
 * one place.
 */
export class BusError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  override readonly cause?: unknown;
  /** The id of the message this error happened to, once it had one: callers quote it to support. */
  messageId?: string;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.cause = options.cause;
  }
}

/** Input the caller sent is wrong (unparseable, invalid, wrong type): never retriable. */
export class InputError extends BusError {
  constructor(code: string, message: string, readonly status = 400, cause?: unknown) {
    super(code, message, { retriable: false, cause });
  }
}

/** A route file or setting is invalid. */
export class ConfigError extends BusError {
  constructor(message: string, readonly problems: readonly string[] = [message], cause?: unknown) {
    super('CONFIG_INVALID', message, { retriable: false, cause });
  }
}

/** A route step failed on a message (mapping, validation, expression error). Not retriable: the same input fails again. */
export class StepError extends BusError {
  constructor(readonly step: string, message: string, cause?: unknown) {
    super('STEP_FAILED', `${step}: ${message}`, { retriable: false, cause });
  }
}

/** Schema validation of a message failed; `errors` lists each violation. */
export class ValidationError extends BusError {
  constructor(message: string, readonly errors: readonly string[]) {
    super('VALIDATION_FAILED', message, { retriable: false });
  }
}

/** Delivery to a target failed. `retryAfterMs` carries a target's own hint (HTTP Retry-After). */
export class DeliveryError extends BusError {
  constructor(
    code: string,
    message: string,
    options: { retriable: boolean; status?: number; retryAfterMs?: number; cause?: unknown; reply?: string } = {
      retriable: true,
    },
  ) {
    super(code, message, options);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.reply = options.reply;
  }
  readonly status?: number;
  readonly retryAfterMs?: number;
  /** The start of the target's reply body, for the journal. */
  readonly reply?: string;
}

/** The store could not be reached or a write failed: retriable. */
export class StoreError extends BusError {
  constructor(message: string, cause?: unknown) {
    super('STORE_UNAVAILABLE', message, { retriable: true, cause });
  }
}

/**
 * The bus has no room for this work now (its backlog is full): retriable, and nothing was accepted. HTTP answers 503
 * with `Retry-After` (`retryAfterMs` rounded up to seconds); a refused message is not journaled, as it was never taken.
 */
export class BusyError extends BusError {
  constructor(code: string, message: string, readonly retryAfterMs: number) {
    super(code, message, { retriable: true });
  }
}

/**
 * A route's throttle refused the message: it came over the route's rate (a sync route), or its turn is further off
 * than a caller may wait (an async route). HTTP answers 429 with `Retry-After`; nothing is journaled.
 */
export class ThrottledError extends BusyError {
  constructor(message: string, retryAfterMs: number) {
    super('THROTTLED', message, retryAfterMs);
  }
}

/** Normalises anything thrown into a BusError, keeping the original as `cause`. */
export function toBusError(err: unknown): BusError {
  if (err instanceof BusError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BusError('INTERNAL', message, { retriable: false, cause: err });
}
