/** The HTTP connector's harnesses for the contract suites: a real Fastify listener, a real HTTP server. */
import Fastify from 'fastify';
import { HttpListener } from '../shared/http-listener';
import { freePort, startTargetServer } from '@junction/testing';
import type { EgressHarness } from '../testing/egress-contract';
import type { IngressHarness } from '../testing/ingress-contract';
import { HttpTargetSchema } from './http.config';
import { HttpEgress } from './http.egress';
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

/** The HTTP egress's harness for the egress contract suite: a real HTTP server that records what it is sent. */
export const httpEgressHarness: EgressHarness = {
  kind: 'http',
  async destination() {
    const server = await startTargetServer();
    return {
      egress: new HttpEgress(),
      config: HttpTargetSchema.parse({ url: `${server.url}/contract`, timeoutMs: 5_000 }),
      arrived: async () => server.requests.map((r) => ({ body: r.body, messageId: r.headers['x-message-id'] })),
      dispose: () => server.close(),
    };
  },
  async unreachable() {
    return { egress: new HttpEgress(), config: HttpTargetSchema.parse({ url: `http://127.0.0.1:${await freePort()}/closed`, timeoutMs: 5_000 }) };
  },
};
