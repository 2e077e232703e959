/**
 * The contract every egress keeps, as one suite each connector joins with a harness over a real destination (an HTTP
 * server, a queue, a topic): `send` resolves only once the destination has the message (its bytes and its id), an
 * unreachable destination fails with a DeliveryError marked retriable (the outbox tries again), and `close` releases
 * the connections and may be called twice.
 */
import { DeliveryError, Message, type EgressConnector } from '@junction/core';
import { waitUntil } from '@junction/testing';
import { BytesBody } from '@junction/transform';

/** What arrived at the destination, as the harness reads it. */
export interface Arrived {
  readonly body: string;
  /** The message id as the destination carries it (a header, a property), when it carries one. */
  readonly messageId?: string;
}

export interface EgressDestination {
  readonly egress: EgressConnector;
  /** The target config (as the route file's schema produced it) of this destination. */
  readonly config: unknown;
  /** Everything that arrived so far. */
  arrived(): Promise<readonly Arrived[]>;
  dispose(): Promise<void>;
}

export interface EgressHarness {
  readonly kind: string;
  /** A fresh destination that takes messages. */
  destination(): Promise<EgressDestination>;
  /** A target config whose destination cannot be reached (a closed port), with a fresh egress. */
  unreachable(): Promise<{ readonly egress: EgressConnector; readonly config: unknown }>;
  /** Longest wait for a message to show at the destination after `send` resolved (a consumer's fetch). */
  readonly settleMs?: number;
}

const context = { routeId: 'egress-contract', baseDir: process.cwd() };

function message(id: string, body: object): Message {
  const bytes = Buffer.from(JSON.stringify(body));
  return new Message(id, `corr-${id}`, { kind: 'test', address: 'egress-contract' }, { 'content-type': 'application/json' }, new BytesBody(bytes, 'application/json'), Date.now());
}

/** Registers the contract suite for one connector's egress. */
export function describeEgressContract(harness: EgressHarness): void {
  const settle = harness.settleMs ?? 15_000;

  describe(`${harness.kind} egress contract`, () => {
    it('delivers the message with its bytes and its id, and resolves with a reply', async () => {
      const d = await harness.destination();
      try {
        const endpoint = d.egress.endpoint(d.config, context);
        expect(endpoint.description).toEqual(expect.any(String));
        const id = `contract-${Date.now().toString(36)}`;
        const reply = await endpoint.send(message(id, { n: 1, id }));
        expect(reply.status).toBeGreaterThanOrEqual(200);
        expect(reply.status).toBeLessThan(300);
        let arrived: readonly Arrived[] = [];
        await waitUntil(async () => (arrived = await d.arrived()).length === 1, settle, 'the message at the destination');
        expect(JSON.parse(arrived[0].body)).toEqual({ n: 1, id });
        if (arrived[0].messageId !== undefined) expect(arrived[0].messageId).toBe(id);
      } finally {
        await d.egress.close();
        await d.dispose();
      }
    });

    it('fails on an unreachable destination with a retriable DeliveryError', async () => {
      const { egress, config } = await harness.unreachable();
      try {
        const endpoint = egress.endpoint(config, context);
        const failure = await endpoint.send(message('unreachable', { n: 2 })).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(failure).toBeInstanceOf(DeliveryError);
        expect((failure as DeliveryError).retriable).toBe(true);
      } finally {
        await egress.close();
      }
    });

    it('closes its connections, and may be closed twice', async () => {
      const d = await harness.destination();
      try {
        await d.egress.endpoint(d.config, context).send(message('close-1', { n: 3 }));
        await d.egress.close();
        await d.egress.close();
      } finally {
        await d.dispose();
      }
    });
  });
}
