import { DeliveryError, type Headers } from '@junction/core';
import type { Dispatcher } from 'undici';

/** Largest reply body read from a target; a larger one fails the attempt rather than exhausting memory. */
export const MAX_REPLY_BYTES = 32 * 1024 * 1024;

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body?: Buffer | string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Method and URL without secrets, for error messages. */
  readonly description: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
}

/**
 * One HTTP exchange on an undici dispatcher (a keep-alive pool), shared by the HTTP and SOAP egresses: the whole
 * reply read (bounded), connection failures and time-outs as retriable DeliveryErrors, a request undici cannot write
 * as a non-retriable `INVALID_REQUEST`. Statuses are the caller's to judge.
 */
export async function sendRequest(dispatcher: Dispatcher, req: RawRequest): Promise<RawResponse> {
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request({
      method: req.method as Dispatcher.HttpMethod,
      path: req.path,
      headers: req.headers,
      body: req.body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      signal: req.signal,
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'CONNECT_FAILED';
    // undici refuses a request it cannot write (a header value with a line break or a character outside Latin-1,
    // from a message header or a computed one) before any I/O: the same request is refused every time.
    const refused = code === 'UND_ERR_INVALID_ARG';
    throw new DeliveryError(refused ? 'INVALID_REQUEST' : code, `${req.description}: ${(err as Error).message}`, { retriable: !refused, cause: err });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_REPLY_BYTES) {
        res.body.destroy();
        throw new DeliveryError('REPLY_TOO_LARGE', `${req.description}: reply over ${MAX_REPLY_BYTES} bytes`, { retriable: false });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    throw new DeliveryError('REPLY_FAILED', `${req.description}: ${(err as Error).message}`, { retriable: true, cause: err });
  }
  const headers: Headers = {};
  for (const k in res.headers) {
    const v = res.headers[k];
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { status: res.statusCode, headers, bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) };
}

/** 408, 425, 429 and 5xx may succeed later; other failure statuses will not. */
export function retriableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A failed status as the DeliveryError the retry loop decides on. */
export function statusError(res: RawResponse, description: string): DeliveryError {
  return new DeliveryError(`HTTP_${res.status}`, `${description}: HTTP ${res.status}`, {
    retriable: retriableStatus(res.status),
    status: res.status,
    retryAfterMs: retryAfterMs(res.headers['retry-after']),
    reply: res.bytes.subarray(0, 2048).toString('utf8'),
  });
}
