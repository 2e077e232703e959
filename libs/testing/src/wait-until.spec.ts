import { waitUntil } from './wait-until';

describe('waitUntil', () => {
  it('resolves once the predicate holds', async () => {
    let calls = 0;
    await waitUntil(() => ++calls >= 3, 1_000, 'three calls', 5);
    expect(calls).toBe(3);
  });

  it('awaits an async predicate', async () => {
    let ready = false;
    setTimeout(() => (ready = true), 30);
    await waitUntil(async () => ready, 1_000, 'ready');
    expect(ready).toBe(true);
  });

  it('rejects after the timeout naming what it waited for', async () => {
    const begun = Date.now();
    await expect(waitUntil(() => false, 100, 'the order in the CRM')).rejects.toThrow(
      'timed out after 100 ms waiting for the order in the CRM',
    );
    expect(Date.now() - begun).toBeGreaterThanOrEqual(95);
    expect(Date.now() - begun).toBeLessThan(1_000);
  });

  it('keeps polling a predicate that throws and reports its last error', async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error(`not up (${calls})`);
    };
    const err = (await waitUntil(failing, 60, 'the bus', 10).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^timed out after 60 ms waiting for the bus \(last error: not up \(\d+\)\)$/);
    expect(err.cause).toBeInstanceOf(Error);
    expect(calls).toBeGreaterThan(1);
  });

  it('checks once even with a timeout of 0', async () => {
    await expect(waitUntil(() => true, 0, 'instant')).resolves.toBeUndefined();
  });
});
