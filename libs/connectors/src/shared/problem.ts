import { STATUS_CODES } from 'node:http';
import { FlatFormatError } from '@junction/transform';
import { BusError, BusyError, DeliveryError, InputError, StoreError, ThrottledError, toBusError, ValidationError, type BusError as BusErrorType } from '@junction/core';

/** An RFC 9457 problem body, as every HTTP error of the bus is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  messageId?: string;
  errors?: readonly string[];
  /** 429 (a route's throttle): seconds before the caller may try again, also sent as Retry-After. */
  retryAfter?: number;
  /** A malformed flat file (CSV, fixed width): the numbers of its malformed lines, as `errors` names them. */
  lines?: readonly number[];
}

/**
 * The one place that maps the error tree to HTTP: input errors keep their status, validation and step failures are
 * 422, a failed delivery is 502 (504 on time-out), a store outage or a full backlog 503, `NOT_FOUND` 404 and
 * `CONFLICT` 409 (what the store answers about something absent or in another state), anything else 500 without
 * internals. Neither a delivery failure nor a store outage says more than its code: their messages name internal hosts
 * (a target's URL, the database's address), which the bus's log line of the refusal keeps for operators.
 */
export function problemFor(err: BusErrorType): Problem {
  let status = 500;
  if (err instanceof InputError) status = err.status;
  else if (err instanceof ValidationError || err.code === 'STEP_FAILED') status = 422;
  else if (err instanceof DeliveryError) status = /TIMEOUT|ABORT/i.test(err.code) ? 504 : 502;
  else if (err instanceof ThrottledError) status = 429;
  else if (err instanceof StoreError || err instanceof BusyError) status = 503;
  // What the store answers an operation on something absent, or in a state the operation does not apply to (a dead
  // letter replayed already): the caller's request is at fault, not the bus.
  else if (err.code === 'NOT_FOUND') status = 404;
  else if (err.code === 'CONFLICT') status = 409;
  const internal = status === 500 && !(err instanceof BusError && err.code !== 'INTERNAL');
  // A target's error names internal hosts and what they said: the caller gets the code, the journal the whole text.
  const detail = internal
    ? 'internal error; quote the message id to support'
    : err instanceof DeliveryError
      ? `delivery to a target failed (${err.code}); quote the message id to support`
      : err instanceof StoreError
        ? 'the bus cannot take the message now; try again later'
        : err.message;
  return {
    type: `urn:junction:problem:${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: titleOf(status),
    status,
    detail,
    code: err.code,
    ...(err.messageId ? { messageId: err.messageId } : {}),
    ...(err instanceof ValidationError ? { errors: err.errors } : {}),
    ...(err instanceof ThrottledError ? { retryAfter: Math.max(1, Math.ceil(err.retryAfterMs / 1000)) } : {}),
    ...(err instanceof FlatFormatError ? { errors: err.problems.map((p) => `line ${p.line}: ${p.message}`), lines: err.problems.map((p) => p.line) } : {}),
  };
}

/** Titles by status, as RFC 9110 names them (where Node's list still has older names: 413, 422). */
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The problem title of a status: its reason phrase, never a bare "Error". */
export function titleOf(status: number): string {
  return TITLES[status] ?? STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Seconds a caller refused with 503 (a store outage, a shutdown) is asked to wait before it tries again. */
export const RETRY_AFTER_SECONDS = 5;

/** The headers that go with a problem: its message id, and Retry-After on a 503 (the refusal is temporary). */
export function problemHeaders(p: Problem): Record<string, string> {
  return {
    ...(p.messageId ? { 'x-message-id': p.messageId } : {}),
    ...(p.status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {}),
    ...(p.status === 429 && p.retryAfter !== undefined ? { 'retry-after': String(p.retryAfter) } : {}),
  };
}

/** The Retry-After header value (whole seconds) for an error that says when to try again, else undefined. */
export function retryAfter(err: unknown): string | undefined {
  return err instanceof BusyError ? String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) : undefined;
}

/**
 * An error thrown around a request, as the error tree sees it: Fastify's own refusals (body over the limit,
 * unreadable body) carry a 4xx `statusCode` and are the caller's input errors, under codes of the bus's own (Fastify's
 * `FST_ERR_*` codes name its internals); anything else goes through toBusError.
 */
export function requestError(err: unknown): BusErrorType {
  if (isRequestRefusal(err)) {
    const status = err.statusCode;
    const code = (err as { code?: unknown }).code;
    const message = (err as Error).message;
    if (typeof code !== 'string') return new InputError(`HTTP_${status}`, message, status);
    if (!code.startsWith('FST_')) return new InputError(code, message, status);
    const known = FASTIFY_REFUSALS[code];
    return new InputError(known?.[0] ?? REFUSAL_BY_STATUS[status] ?? `HTTP_${status}`, known?.[1] ?? message, status);
  }
  return toBusError(err);
}

/** Whether `err` is one of Fastify's own refusals of a request (a 4xx `statusCode`, not a BusError): they come before
 *  the handler, as the request's body is read. */
export function isRequestRefusal(err: unknown): err is Error & { statusCode: number } {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 && !(err instanceof BusError);
}

/** Fastify's refusals of a request, as the bus names them: its code and what the caller is told. */
const FASTIFY_REFUSALS: Record<string, readonly [string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['BODY_TOO_LARGE', 'the request body is over the size limit'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['BAD_CONTENT_LENGTH', 'the Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'the content type is not one the bus takes'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['EMPTY_BODY', 'the request has no body'],
};

/** The code of a Fastify refusal the table above does not know, by its status. */
const REFUSAL_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};
