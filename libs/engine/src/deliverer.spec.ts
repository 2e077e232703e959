import type { RetryDef } from '@junction/config';
import { DeliveryError, Message, type Reply } from '@junction/core';
import type { CompiledTarget } from '@junction/routing';
import { BytesBody } from '@junction/transform';
import { attempt, deliverInline } from './deliverer';

/** What the scripted endpoint does on one call: answer with a status, or fail. */
type Step = number | Error | ((signal?: AbortSignal) => Promise<Reply>);

function reply(status: number): Reply {
  return { status, headers: { 'content-type': 'application/json' }, body: new BytesBody(Buffer.from('{"ok":true}'), 'application/json') };
}

const unavailable = (extra: { retryAfterMs?: number } = {}) =>
  new DeliveryError('HTTP_503', 'unavailable', { retriable: true, status: 503, ...extra });
const badRequest = () => new DeliveryError('HTTP_400', 'bad request', { retriable: false, status: 400 });

/** A target whose endpoint plays `script` in order, one step per call; the last step repeats. */
function scripted(script: Step[], retry: Partial<RetryDef> = {}) {
  const signals: Array<AbortSignal | undefined> = [];
  const sent: Message[] = [];
  const target: CompiledTarget = {
    id: 'fake',
    kind: 'fake',
    description: 'scripted endpoint',
    retry: { attempts: 5, backoffMs: 1, maxBackoffMs: 2, ...retry },
    format: 'asis',
    reply: false,
    passthrough: false,
    prepare: async (m) => m,
    endpoint: {
      description: 'scripted endpoint',
      send: async (message, signal) => {
        sent.push(message);
        signals.push(signal);
        const step = script[Math.min(sent.length, script.length) - 1];
        if (typeof step === 'number') return reply(step);
        if (step instanceof Error) throw step;
        return step(signal);
      },
    },
  };
  return { target, sent, signals };
}

const message = () =>
  new Message('m-1', 'c-1', { kind: 'test', address: '/t' }, {}, new BytesBody(Buffer.from('{}'), 'application/json'), Date.now());

describe('attempt', () => {
  it('records a successful attempt with its status', async () => {
    const { target } = scripted([201]);
    const before = Date.now();
    const result = await attempt(target, message(), 3);
    expect(result.reply?.status).toBe(201);
    expect(result.error).toBeUndefined();
    expect(result.record).toEqual({ number: 3, startedAt: expect.any(Number), durationMs: expect.any(Number), ok: true, statusCode: 201 });
    expect(result.record.startedAt).toBeGreaterThanOrEqual(before);
    expect(result.record.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('records a failed attempt with the error code, message and status, and never throws', async () => {
    const { target } = scripted([unavailable()]);
    const result = await attempt(target, message(), 1);
    expect(result.reply).toBeUndefined();
    expect(result.error).toBeInstanceOf(DeliveryError);
    expect(result.record).toMatchObject({ number: 1, ok: false, statusCode: 503, errorCode: 'HTTP_503', error: 'unavailable' });
  });

  it('turns anything thrown into a non-retriable BusError with no status', async () => {
    const { target } = scripted([new TypeError('boom')]);
    const result = await attempt(target, message(), 1);
    expect(result.error).toMatchObject({ code: 'INTERNAL', retriable: false, message: 'boom' });
    expect(result.record).toMatchObject({ ok: false, statusCode: null, errorCode: 'INTERNAL', error: 'boom' });
  });

  it('passes the abort signal to the endpoint', async () => {
    const { target, signals } = scripted([200]);
    const signal = new AbortController().signal;
    await attempt(target, message(), 1, signal);
    expect(signals).toEqual([signal]);
  });
});

describe('deliverInline', () => {
  afterEach(() => jest.restoreAllMocks());

  it('retries a retriable failure until a reply comes, recording every attempt', async () => {
    const { target, sent } = scripted([unavailable(), unavailable(), 200]);
    const result = await deliverInline(target, message(), Date.now() + 5_000);
    expect(result.reply?.status).toBe(200);
    expect(result.error).toBeUndefined();
    expect(sent).toHaveLength(3);
    expect(result.attempts.map((a) => [a.number, a.ok, a.statusCode, a.errorCode])).toEqual([
      [1, false, 503, 'HTTP_503'],
      [2, false, 503, 'HTTP_503'],
      [3, true, 200, undefined],
    ]);
  });

  it('sends the same message on every attempt', async () => {
    const { target, sent } = scripted([unavailable(), 200]);
    const m = message();
    await deliverInline(target, m, Date.now() + 5_000);
    expect(sent).toEqual([m, m]);
  });

  it('stops at the first non-retriable failure', async () => {
    const { target, sent } = scripted([badRequest(), 200]);
    const result = await deliverInline(target, message(), Date.now() + 5_000);
    expect(sent).toHaveLength(1);
    expect(result.reply).toBeUndefined();
    expect(result.error).toMatchObject({ code: 'HTTP_400', retriable: false });
    expect(result.attempts).toEqual([expect.objectContaining({ number: 1, ok: false, statusCode: 400 })]);
  });

  it('stops on a non-retriable failure after retriable ones', async () => {
    const { target } = scripted([unavailable(), badRequest(), 200]);
    const result = await deliverInline(target, message(), Date.now() + 5_000);
    expect(result.error?.code).toBe('HTTP_400');
    expect(result.attempts.map((a) => a.errorCode)).toEqual(['HTTP_503', 'HTTP_400']);
  });

  it('gives up after the policy attempts with the last error', async () => {
    const { target, sent } = scripted([unavailable()], { attempts: 3 });
    const result = await deliverInline(target, message(), Date.now() + 5_000);
    expect(sent).toHaveLength(3);
    expect(result.error).toMatchObject({ code: 'HTTP_503', retriable: true });
    expect(result.attempts.map((a) => a.number)).toEqual([1, 2, 3]);
  });

  it('retries while the next try still fits before the deadline, then keeps the last error', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(1); // no jitter: delays of 1, 2, 4 s
    const { target, sent } = scripted([unavailable()], { attempts: 100, backoffMs: 1_000, maxBackoffMs: 60_000 });
    const deadline = Date.now() + 5_000;
    const result = await deliverInline(target, message(), deadline);
    // attempts at about 0, 1 and 3 s; the next would start at about 7 s, past the deadline (seconds of margin each
    // way, so that a busy machine's late timers do not change the count)
    expect(sent).toHaveLength(3);
    expect(result.error?.code).toBe('HTTP_503');
    expect(result.attempts).toHaveLength(3);
    for (const a of result.attempts) expect(a.startedAt).toBeLessThan(deadline);
    expect(Date.now()).toBeLessThan(deadline);
  });

  it('does not call the target when the deadline has passed', async () => {
    const { target, sent } = scripted([200]);
    const result = await deliverInline(target, message(), Date.now() - 1);
    expect(sent).toEqual([]);
    expect(result.attempts).toEqual([]);
    expect(result.error).toMatchObject({ code: 'SYNC_TIMEOUT', retriable: true, message: 'no reply from fake in time' });
  });

  it('aborts an attempt that runs past the deadline', async () => {
    const hang = (signal?: AbortSignal) =>
      new Promise<Reply>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(new DeliveryError('TIMEOUT', 'aborted', { retriable: true })));
      });
    const { target, signals } = scripted([hang]);
    const deadline = Date.now() + 100;
    const result = await deliverInline(target, message(), deadline);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);
    expect(result.error?.code).toBe('TIMEOUT');
    expect(result.attempts).toEqual([expect.objectContaining({ number: 1, ok: false, errorCode: 'TIMEOUT' })]);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline - 5);
  });

  it('honours a Retry-After hint instead of the backoff', async () => {
    const { target, sent } = scripted([unavailable({ retryAfterMs: 20 }), 200], { backoffMs: 60_000, maxBackoffMs: 60_000 });
    const started = Date.now();
    const result = await deliverInline(target, message(), started + 5_000);
    expect(result.reply?.status).toBe(200);
    expect(sent).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    // The target's 20 ms hint was taken, not the 60 s backoff (a loaded machine may add seconds, never a minute).
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('gives up at once when the Retry-After hint reaches past the deadline', async () => {
    const { target, sent } = scripted([unavailable({ retryAfterMs: 10_000 }), 200]);
    const started = Date.now();
    const result = await deliverInline(target, message(), started + 1_000);
    expect(sent).toHaveLength(1);
    expect(result.error?.code).toBe('HTTP_503');
    // It did not wait out the 10 s hint.
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
