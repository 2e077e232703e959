import { getPriority } from 'node:os';
import { join } from 'node:path';
import { BusError, BusyError, InputError } from '@junction/core';
import { BytesBody } from '../body/bytes.body';
import { createXmlCodec } from '../xml/xml-codec';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool';
import { workerTask } from './worker-task';

/**
 * The pool on real worker threads (they compile these TypeScript sources as jest does, so each first task takes a
 * moment): large inputs are read there with the same outcome as on the event loop, small ones never leave it, the
 * backlog refuses what would wait too long, and a worker out of heap fails its task, not the pool.
 */

const outOfMemory = (heapMb: number) => new InputError('XML_LIMIT', `XML limit heapMb (${heapMb}) exceeded`, 400);
const pools: WorkerPool[] = [];
function pool(options: Partial<WorkerPoolOptions> = {}): WorkerPool {
  const created = new WorkerPool({ size: 1, threshold: 1024, backlog: 4, heapMb: 256, outOfMemory, ...options });
  pools.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const orders = (n: number) => Buffer.from(`<Orders>${'<Order id="1"><Sku>S-1</Sku></Order>'.repeat(n)}</Orders>`);

async function rejection(promise: Promise<unknown>): Promise<BusError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof BusError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('WorkerPool with the XML codec', () => {
  it('parses a large document on a worker, with the value the event loop would give', async () => {
    const workers = pool();
    const codec = createXmlCodec({ arrays: ['Orders.Order'] }, workers);
    const bytes = orders(100);
    const value = await codec.parseAsync(bytes);
    expect(workers.figures().workers).toBe(1);
    expect(value).toEqual(createXmlCodec({ arrays: ['Orders.Order'] }).parse(bytes));
    await expect(codec.checkAsync(bytes)).resolves.toBeUndefined();
    await expect(codec.screenAsync(bytes)).resolves.toBeUndefined();
  });

  it('keeps a name that is a dangerous key an own property on the way back', async () => {
    const codec = createXmlCodec({}, pool());
    const value = (await codec.parseAsync(Buffer.from(`<r><__proto__>${'x'.repeat(2000)}</__proto__></r>`))) as { r: object };
    expect(Object.keys(value.r)).toEqual(['__proto__']);
    // The prototype is a plain Object.prototype (of the outer realm here: jest runs specs in a context of their own).
    expect(Object.getPrototypeOf(Object.getPrototypeOf(value.r))).toBeNull();
    expect(Object.getPrototypeOf(value.r)).not.toHaveProperty('x');
  });

  it('refuses on a worker as on the event loop: same code, status and message', async () => {
    const codec = createXmlCodec({}, pool());
    const xxe = Buffer.from(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;${' '.repeat(2000)}</r>`);
    const lie = Buffer.from(`<?xml version="1.0" encoding="UTF-16"?><r>${'x'.repeat(2000)}</r>`);
    for (const [bytes, charset] of [[xxe, undefined], [lie, undefined], [orders(100), 'utf-16']] as const) {
      const reads = [() => codec.parseAsync(bytes, { charset }), () => codec.checkAsync(bytes, { charset }), () => codec.screenAsync(bytes, { charset })];
      for (const read of reads) {
        const error = await rejection(read());
        const inline = await rejection(createXmlCodec().parseAsync(bytes, { charset }));
        expect(error).toBeInstanceOf(InputError);
        expect(error).toMatchObject({ code: inline.code, status: 400, message: inline.message });
      }
    }
  });

  it('reads an input under the threshold on the event loop: no worker starts', async () => {
    const workers = pool({ threshold: 1024 * 1024 });
    await createXmlCodec({}, workers).parseAsync(orders(100));
    expect(workers.figures().workers).toBe(0);
  });

  it('refuses callers that would rather not wait once the backlog is full, with a Retry-After', async () => {
    const codec = createXmlCodec({}, pool({ size: 1, backlog: 1 }));
    const bytes = orders(100);
    // Decided as they are called: the first takes the worker, the second the one backlog place, the third is refused.
    const first = codec.parseAsync(bytes, { whenBusy: 'refuse' });
    const second = codec.parseAsync(bytes, { whenBusy: 'refuse' });
    const refused = await rejection(codec.parseAsync(bytes, { whenBusy: 'refuse' }));
    const waited = codec.parseAsync(bytes, { whenBusy: 'wait' });
    expect(refused).toBeInstanceOf(BusyError);
    expect(refused).toMatchObject({ code: 'WORKERS_BUSY', retriable: true });
    expect((refused as BusyError).retryAfterMs).toBeGreaterThanOrEqual(1000);
    await expect(Promise.all([first, second, waited])).resolves.toHaveLength(3);
  });

  it('bounds the backlog in bytes as well: a huge body waiting alone fills it for all but none', async () => {
    const workers = pool({ size: 1, threshold: 1024, backlog: 4, backlogBytes: 64 * 1024 });
    const codec = createXmlCodec({}, workers);
    const small = orders(100);
    const huge = orders(4000);
    expect(huge.length).toBeGreaterThan(64 * 1024);
    const running = codec.parseAsync(small, { whenBusy: 'refuse' });
    // Alone in the backlog, a body over the bytes bound waits: else it could never run.
    const waitingHuge = codec.parseAsync(huge, { whenBusy: 'refuse' });
    expect(workers.figures()).toMatchObject({ busy: 1, waiting: 1, waitingBytes: huge.length });
    // Then one body of any size overflows it, though three of the four places are free.
    expect(await rejection(codec.parseAsync(small, { whenBusy: 'refuse' }))).toMatchObject({ code: 'WORKERS_BUSY' });
    await Promise.all([running, waitingHuge]);
    expect(workers.figures()).toMatchObject({ waiting: 0, waitingBytes: 0 });
    // Mid-size bodies fill it by count or by bytes, whichever comes first.
    const taken = [codec.parseAsync(small, { whenBusy: 'refuse' }), ...[1, 2, 3, 4].map(() => codec.parseAsync(small, { whenBusy: 'refuse' }))];
    expect(workers.figures().waiting).toBe(4);
    expect(await rejection(codec.parseAsync(small, { whenBusy: 'refuse' }))).toMatchObject({ code: 'WORKERS_BUSY' });
    await Promise.all(taken);
  });

  it('tells before a body is read whether run would refuse it: refusal(bytes)', async () => {
    const workers = pool({ size: 1, threshold: 1024, backlog: 1 });
    const codec = createXmlCodec({}, workers);
    // A free worker, or a body under the threshold (read on the event loop): never refused.
    expect(workers.refusal(100_000)).toBeUndefined();
    const running = codec.parseAsync(orders(100));
    expect(workers.refusal(100_000)).toBeUndefined();
    const waiting = codec.parseAsync(orders(100));
    const refused = workers.refusal(100_000);
    expect(refused).toBeInstanceOf(BusyError);
    expect(refused).toMatchObject({ code: 'WORKERS_BUSY', retriable: true });
    expect(workers.refusal(100)).toBeUndefined();
    await Promise.all([running, waiting]);
    expect(workers.refusal(100_000)).toBeUndefined();
  });

  it('fails a task whose worker runs out of heap with the pool`s error, and goes on with a new worker', async () => {
    const workers = pool({ heapMb: 64 });
    const codec = createXmlCodec({ limits: { maxBytes: 64 * 1024 * 1024 } }, workers);
    // About 40 bytes of tree per 4-byte element: far beyond 64 MB.
    const huge = Buffer.from(`<r>${'<a/>'.repeat(4_000_000)}</r>`);
    const error = await rejection(codec.parseAsync(huge));
    expect(error).toMatchObject({ code: 'XML_LIMIT', message: expect.stringContaining('heapMb (64)') });
    await expect(codec.parseAsync(orders(100))).resolves.toHaveProperty('Orders');
  });

  it('runs its workers at the nice value it is given (Linux), the event loop keeping its own', async () => {
    if (process.platform !== 'linux') return;
    const before = getPriority(process.pid);
    const priority = workerTask<undefined, number>(join(__dirname, 'worker-priority'), 'threadPriority');
    expect(await pool({ nice: 10 }).run(priority, undefined, 'wait')).toBe(Math.max(before, 10));
    expect(await pool().run(priority, undefined, 'wait')).toBe(before);
    expect(getPriority(process.pid)).toBe(before);
  });

  it('fails what is left when closed, and takes nothing after', async () => {
    const workers = pool();
    const codec = createXmlCodec({}, workers);
    const outcomes = [codec.parseAsync(orders(50_000)), codec.parseAsync(orders(100))].map(rejection);
    await workers.close();
    outcomes.push(rejection(codec.parseAsync(orders(100))));
    for (const error of await Promise.all(outcomes)) expect(error).toMatchObject({ code: 'SHUTTING_DOWN', retriable: true });
  });
});

describe('BytesBody.load', () => {
  it('caches what a worker parsed, so that value() answers at once', async () => {
    const codec = createXmlCodec({}, pool());
    const body = new BytesBody(orders(100), 'application/xml', codec);
    const parse = jest.spyOn(codec, 'parse');
    await body.load();
    expect(body.value()).toEqual(createXmlCodec().parse(orders(100)));
    expect(parse).not.toHaveBeenCalled();
  });

  it('caches a refusal for value() to throw, and leaves nothing cached after a BusyError', async () => {
    const codec = createXmlCodec({}, pool({ size: 1, backlog: 0 }));
    const bad = new BytesBody(Buffer.from(`<!DOCTYPE r><r>${' '.repeat(2000)}</r>`), 'application/xml', codec);
    await expect(bad.load()).resolves.toBeUndefined();
    expect(() => bad.value()).toThrow(expect.objectContaining({ code: 'XML_DOCTYPE_FORBIDDEN' }));

    const busy = codec.parseAsync(orders(100));
    const refused = new BytesBody(orders(100), 'application/xml', codec);
    await expect(refused.load('refuse')).rejects.toBeInstanceOf(BusyError);
    await busy;
    await refused.load('refuse');
    expect(refused.value()).toHaveProperty('Orders');
  });
});
