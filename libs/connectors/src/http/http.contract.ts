/** The HTTP ingress's harness for the ingress contract suite: a real Fastify listener on a free loopback port. */
import Fastify from 'fastify';
import { HttpListener } from '../shared/http-listener';
import type { IngressHarness } from '../testing/ingress-contract';
import { HttpIngress } from './http.ingress';

export const httpHarness: IngressHarness = {
  kind: 'http',
  settleMs: 10_000,
  outage: 'answered',
  async source(mode) {
    const fastify = Fastify();
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const ingress = new HttpIngress(new HttpListener(fastify));
    const path = `/contract/${Math.random().toString(36).slice(2, 10)}`;
    const statuses: number[] = [];
    const pending: Promise<unknown>[] = [];
    let url = '';
    return {
      ingress,
      binding: { routeId: `http-contract-${mode}`, mode, config: { path, method: 'POST' }, baseDir: process.cwd() },
      async send(body) {
        if (!url) url = await fastify.listen({ port: 0, host: '127.0.0.1' });
        const call = fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
          async (res) => {
            await res.arrayBuffer();
            statuses.push(res.status);
          },
          () => statuses.push(0),
        );
        pending.push(call);
      },
      // A caller's message counts as acknowledged once it is answered with anything but a retriable refusal.
      acknowledged: async () => statuses.filter((s) => s > 0 && s < 500).length,
      async dispose() {
        await Promise.allSettled(pending);
        await fastify.close();
      },
    };
  },
};
