import { BusError, BusyError, DeliveryError, InputError, StoreError, toBusError, ValidationError, type BusError as BusErrorType } from '@junction/core';

/** An RFC 9457 problem body, as every HTTP error of the bus is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  messageId?: string;
  errors?: readonly string[];
}

/**
 * The one place that maps the error tree to HTTP: input errors keep their status, validation and step failures are
 * 422, a failed delivery is 502 (504 on time-out), a store outage or a full backlog 503, anything else 500 without
 * internals. A 503 for a full backlog also needs its Retry-After header: see retryAfter.
 */
export function problemFor(err: BusErrorType): Problem {
  let status = 500;
  if (err instanceof InputError) status = err.status;
  else if (err instanceof ValidationError || err.code === 'STEP_FAILED') status = 422;
  else if (err instanceof DeliveryError) status = /TIMEOUT|ABORT/i.test(err.code) ? 504 : 502;
  else if (err instanceof StoreError || err instanceof BusyError) status = 503;
  const internal = status === 500 && !(err instanceof BusError && err.code !== 'INTERNAL');
  // A target's error names internal hosts and what they said: the caller gets the code, the journal the whole text.
  const detail = internal
    ? 'internal error; quote the message id to support'
    : err instanceof DeliveryError
      ? `delivery to a target failed (${err.code}); quote the message id to support`
      : err.message;
  return {
    type: `urn:junction:problem:${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code: err.code,
    ...(err.messageId ? { messageId: err.messageId } : {}),
    ...(err instanceof ValidationError ? { errors: err.errors } : {}),
  };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The Retry-After header value (whole seconds) for an error that says when to try again, else undefined. */
export function retryAfter(err: unknown): string | undefined {
  return err instanceof BusyError ? String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) : undefined;
}

/**
 * An error thrown around a request, as the error tree sees it: Fastify's own refusals (body over the limit,
 * unreadable body) carry a 4xx `statusCode` and are the caller's input errors; anything else goes through toBusError.
 */
export function requestError(err: unknown): BusErrorType {
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && !(err instanceof BusError)) {
    return new InputError((err as { code?: string }).code ?? `HTTP_${status}`, (err as Error).message, status);
  }
  return toBusError(err);
}
