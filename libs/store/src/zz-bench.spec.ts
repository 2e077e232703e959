import { createStore } from './create-store';
import { newDelivery, newMessage, PG_URL } from './testing/store-fixtures';

jest.setTimeout(600_000);

it('cycle postgres', async () => {
  const store = createStore({ url: process.env.BENCH_URL ?? `${PG_URL}?schema=benchdiag` });
  await store.init();
  const body = Buffer.from(JSON.stringify({ order: 'x'.repeat(180) }));
  const ms = Array.from({ length: 5000 }, () => newMessage({ body }));
  await Promise.all(ms.map((m) => store.acceptMessage(m)));
  for (const workersN of [1, 8, 16]) {
  const t0 = performance.now();
  let n = 0; let claimT = 0, compT = 0, dclaimT = 0, recT = 0;
  const until = t0 + 4000;
  await Promise.all(Array.from({ length: workersN }, async () => {
    while (performance.now() < until) {
      let t = performance.now();
      const claimed = await store.claimMessages(5, 60000); claimT += performance.now() - t;
      if (!claimed.length) break;
      t = performance.now();
      for (const m of claimed) await store.completeRouting(m.id, { status: 'pending', hops: [], deliveries: [newDelivery(m.id)] });
      compT += performance.now() - t; t = performance.now();
      const ds = await store.claimDeliveries(5, 60000); dclaimT += performance.now() - t; t = performance.now();
      for (const d of ds) { await store.recordAttempt(d.id, { number: 1, startedAt: Date.now(), durationMs: 1, ok: true }, { kind: 'delivered' }); n++; }
      recT += performance.now() - t;
    }
  }));
  const el = performance.now() - t0;
  console.log(`workers=${workersN} ${n} in ${Math.round(el)}ms = ${Math.round(n / el * 1000)}/s; claim ${Math.round(claimT)} complete ${Math.round(compT)} dclaim ${Math.round(dclaimT)} record ${Math.round(recT)}`);
  }
  await store.close();
});
