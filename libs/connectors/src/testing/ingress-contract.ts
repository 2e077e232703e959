/**
 * The contract every ingress keeps, as one suite each connector joins with a small harness over its real source (a
 * listener, a broker): the bus's acknowledgement comes first and only then is the source acknowledged, a refused
 * message is acknowledged (it is the bus's dead letter now) and the source keeps flowing, a store outage holds the
 * message until the bus takes it, close waits for the messages in hand, and the status reports each bound route.
 * The bus side is a scripted MessageSink: what is under test is the ingress and its real source.
 */
import { InputError, StoreError, type Ack, type Incoming, type IngressBinding, type IngressConnector, type MessageSink } from '@junction/core';
import { waitUntil } from '@junction/testing';
import { isHosted } from '../shared/broker-transport';

/** One source for one test: the ingress under test, bound to a fresh address (queue, topic, path). */
export interface ContractSource {
  readonly ingress: IngressConnector;
  readonly binding: IngressBinding;
  /** Puts one JSON message into the source, without waiting for the bus (an HTTP caller's request is left pending). */
  send(body: string): Promise<void>;
  /**
   * How many messages the source counts as acknowledged: answered (HTTP), acked (AMQP, MQTT), committed (Kafka). The
   * count may lag a little behind the ingress (a commit interval): the suite waits for it.
   */
  acknowledged(): Promise<number>;
  /** Removes what the source made (queues, topics, listeners). The suite closes the ingress itself first. */
  dispose(): Promise<void>;
}

export interface IngressHarness {
  readonly kind: string;
  /** A fresh source for one test. */
  source(mode: 'sync' | 'async'): Promise<ContractSource>;
  /** Longest wait for an acknowledgement to show at the source (a commit interval, a broker round trip). */
  readonly settleMs?: number;
  /**
   * What a store outage does to a message: a broker source holds it and the ingress tries again (`held`); a caller
   * waiting for an answer gets a retriable refusal and sends again itself (`answered`, counted as not acknowledged).
   */
  readonly outage: 'held' | 'answered';
}

type Script = (incoming: Incoming, n: number) => Promise<Ack>;

/** A MessageSink that answers as a script says and records what it was handed. */
class ScriptedSink implements MessageSink {
  readonly seen: Incoming[] = [];
  script: Script = async (_i, n) => ({ kind: 'accepted', messageId: `m${n}` });

  dispatch(_routeId: string, incoming: Incoming): Promise<Ack> {
    this.seen.push(incoming);
    return this.script(incoming, this.seen.length);
  }
}

/** Makes the sink accept messages only once the returned gate is opened (`resolve`). */
function holdAnswers(sink: ScriptedSink): { resolve(): void } {
  let resolve!: () => void;
  const opened = new Promise<void>((r) => (resolve = r));
  sink.script = async (_i, n) => {
    await opened;
    return { kind: 'accepted', messageId: `m${n}` };
  };
  return { resolve };
}

async function run(source: ContractSource, sink: MessageSink): Promise<void> {
  await source.ingress.start(sink);
  await source.ingress.prepare([source.binding]);
  source.ingress.bind([source.binding]);
  if (isHosted(source.ingress)) source.ingress.listen();
  await waitUntil(
    async () => (await source.ingress.status?.())?.some((s) => s.routeId === source.binding.routeId && s.state === 'connected') ?? false,
    30_000,
    `${source.binding.routeId} connected`,
  );
}

/** Registers the contract suite for one connector's ingress. */
export function describeIngressContract(harness: IngressHarness): void {
  const settle = harness.settleMs ?? 15_000;

  describe(`${harness.kind} ingress contract`, () => {
    let source: ContractSource | undefined;
    let sink: ScriptedSink;

    beforeEach(() => {
      sink = new ScriptedSink();
    });
    afterEach(async () => {
      await source?.ingress.close(2_000);
      await source?.dispose();
      source = undefined;
    });

    it('reports each bound route in its status, connected', async () => {
      source = await harness.source('async');
      await run(source, sink);
      const status = await source.ingress.status!();
      expect(status).toEqual([expect.objectContaining({ routeId: source.binding.routeId, state: 'connected', since: expect.any(Number) })]);
    });

    it('acknowledges a message at the source only after the bus took it', async () => {
      source = await harness.source('async');
      const gate = holdAnswers(sink);
      await run(source, sink);
      await source.send('{"n":1}');
      await waitUntil(() => sink.seen.length === 1, settle, 'the message handed to the bus');
      // The bus has not answered: a little later the source still holds the message unacknowledged.
      await new Promise((r) => setTimeout(r, 500));
      expect(await source.acknowledged()).toBe(0);
      gate.resolve();
      await waitUntil(async () => (await source!.acknowledged()) === 1, settle, 'acknowledged after the bus took it');
      expect(JSON.parse(sink.seen[0].body.toString('utf8'))).toEqual({ n: 1 });
      expect(sink.seen[0].source.kind).toBe(harness.kind);
    });

    it('acknowledges a message the bus refused, and keeps the source flowing', async () => {
      source = await harness.source('async');
      sink.script = async (incoming, n) => {
        if (JSON.parse(incoming.body.toString('utf8')).poison) throw new InputError('BAD_INPUT', 'refused by the route');
        return { kind: 'accepted', messageId: `m${n}` };
      };
      await run(source, sink);
      await source.send('{"poison":true}');
      await source.send('{"n":2}');
      await waitUntil(async () => (await source!.acknowledged()) === 2, settle, 'both acknowledged');
      // Both taken; in which order is not promised here (a folder source may list two new files either way).
      const bodies = sink.seen.map((i) => JSON.parse(i.body.toString('utf8')));
      expect(bodies).toHaveLength(2);
      expect(bodies).toEqual(expect.arrayContaining([{ poison: true }, { n: 2 }]));
    });

    it('never acknowledges a message the bus could not store: held and retried, or refused to a caller who retries', async () => {
      source = await harness.source('async');
      if (harness.outage === 'answered') {
        sink.script = async () => {
          throw new StoreError('store unreachable');
        };
        await run(source, sink);
        await source.send('{"n":3}');
        await waitUntil(() => sink.seen.length === 1, settle, 'the message handed to the bus');
        await new Promise((r) => setTimeout(r, 500));
        expect(await source.acknowledged()).toBe(0);
        return;
      }
      let outages = 2;
      sink.script = async (_i, n) => {
        if (outages-- > 0) throw new StoreError('store unreachable');
        return { kind: 'accepted', messageId: `m${n}` };
      };
      await run(source, sink);
      await source.send('{"n":3}');
      await waitUntil(async () => (await source!.acknowledged()) === 1 && sink.seen.length >= 3, settle, 'taken after the outage');
      expect(sink.seen.every((i) => JSON.parse(i.body.toString('utf8')).n === 3)).toBe(true);
    });

    it('waits on close for the message in hand, then acknowledges it', async () => {
      source = await harness.source('async');
      const gate = holdAnswers(sink);
      await run(source, sink);
      await source.send('{"n":4}');
      await waitUntil(() => sink.seen.length === 1, settle, 'the message handed to the bus');
      let closed = false;
      const closing = source.ingress.close(20_000).then(() => (closed = true));
      await new Promise((r) => setTimeout(r, 500));
      expect(closed).toBe(false);
      gate.resolve();
      await closing;
      await waitUntil(async () => (await source!.acknowledged()) === 1, settle, 'acknowledged before the close ended');
    });
  });
}
