import type { Outcome } from './demo-console';
import type { SampleRequest } from './sample-orders';

/** How long the demo waits for the bus's answer to one request. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Posts one sample request to the bus; never rejects. */
export async function post(busUrl: string, request: SampleRequest, token: string | undefined, signal: AbortSignal): Promise<Outcome> {
  try {
    const res = await fetch(`${busUrl}${request.path}`, {
      method: 'POST',
      headers: token === undefined ? request.headers : { ...request.headers, authorization: `Bearer ${token}` },
      body: request.body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const text = await res.text();
    const messageId = res.headers.get('x-message-id') ?? undefined;
    return { status: res.status, ...(messageId ? { messageId } : {}), ...(res.ok ? {} : { detail: detailOf(text) }) };
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return { error: cause ?? (err as Error).message };
  }
}

/** The interesting part of an error answer: a problem body's detail or title, else the start of the body. */
function detailOf(text: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
    const detail = problem.detail ?? problem.title;
    if (typeof detail === 'string') return detail;
  } catch {
    // not JSON: show the text itself
  }
  return text.replace(/\s+/g, ' ').slice(0, 160);
}

