import type { BusRuntime } from '@junction/engine';
import type { LiveListener, LiveSnapshot } from '@junction/telemetry';
import type { FastifyReply } from 'fastify';
import { PassThrough } from 'node:stream';
import type { BusPeers } from './bus-peers';
import { LiveController } from './live.controller';

/** A stream's raw response: a writable that keeps what was written, with the writeHead the controller calls. */
function rawResponse() {
  const raw = Object.assign(new PassThrough(), { writeHead: () => undefined });
  const written: string[] = [];
  raw.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  return { reply: { hijack: () => undefined, raw } as unknown as FastifyReply, written };
}

describe('LiveController across processes', () => {
  it('skips a second while the whole-bus snapshot is still being gathered, rather than queueing gathers', async () => {
    let listener: LiveListener | undefined;
    const bus = { telemetry: { subscribe: (l: LiveListener) => ((listener = l), () => undefined) } } as unknown as BusRuntime;
    const pending: Array<(s: LiveSnapshot) => void> = [];
    let asked = 0;
    const peers = {
      snapshot: () => {
        asked++;
        return new Promise<LiveSnapshot>((resolve) => pending.push(resolve));
      },
    } as unknown as BusPeers;
    const controller = new LiveController(bus, peers);
    const { reply, written } = rawResponse();

    const opened = controller.live(reply);
    pending.shift()!({ at: 1 } as unknown as LiveSnapshot);
    await opened;
    expect(asked).toBe(1);

    // Three ticks while the first gather of the stream is on its way: one gather, not three.
    listener!.snapshot({} as LiveSnapshot);
    listener!.snapshot({} as LiveSnapshot);
    listener!.snapshot({} as LiveSnapshot);
    expect(asked).toBe(2);

    pending.shift()!({ at: 2 } as unknown as LiveSnapshot);
    await new Promise((r) => setImmediate(r));
    listener!.snapshot({} as LiveSnapshot);
    expect(asked).toBe(3);
    expect(written.join('')).toContain('"at":2');
    controller.onModuleDestroy();
  });
});
