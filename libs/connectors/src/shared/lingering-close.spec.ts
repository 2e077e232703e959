import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { lingerBeforeClose, type LingerBounds } from './lingering-close';

/**
 * A node:http server that refuses every request from its headers (503, `Connection: close`) with a lingering close,
 * and raw clients that send the body when they choose, so that what the client sees of the close is in the test.
 */
let server: Server;
let port: number;
let bounds: LingerBounds;
/** Per connection on the server: body bytes read when it closed, and when, from the answer. */
let closed: Array<{ bodyBytes: number; afterMs: number }>;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const answeredAt = performance.now();
    let bodyBytes = 0;
    const socket = req.socket;
    const headerBytes = socket.bytesRead;
    socket.once('close', () => {
      bodyBytes = socket.bytesRead - headerBytes;
      closed.push({ bodyBytes, afterMs: performance.now() - answeredAt });
    });
    lingerBeforeClose(req, bounds);
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1', connection: 'close' });
    res.end('busy');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  bounds = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000, idleMs: 2_000 };
  closed = [];
});

interface Seen {
  readonly answer: string;
  readonly error?: string;
  /** When the server's end of the connection came, from the answer. */
  readonly endedAfterMs?: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends a POST's headers declaring `declared` bytes; once answered, `send` writes (some of) the body. */
async function refused(declared: number, send: (socket: Socket) => Promise<void>): Promise<Seen> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  let answeredAt = 0;
  let endedAfterMs: number | undefined;
  let error: string | undefined;
  socket.on('data', (d: Buffer) => {
    answeredAt ||= performance.now();
    answer += d.toString('latin1');
  });
  socket.on('end', () => (endedAfterMs = performance.now() - answeredAt));
  socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code));
  const gone = new Promise((resolve) => socket.once('close', resolve));
  socket.write(`POST /big HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: ${declared}\r\n\r\n`);
  while (!answer.includes('busy')) await new Promise((r) => setTimeout(r, 5));
  await send(socket);
  await gone;
  // The server's end of the connection closes about when the client's does, not always first.
  while (closed.length === 0) await pause(5);
  return { answer, error, endedAfterMs };
}

/** Writes `bytes` in 64 KiB chunks, waiting for the socket to drain; stops quietly if the socket goes. */
async function write(socket: Socket, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < bytes && !socket.destroyed; sent += chunk.length) {
    if (!socket.write(chunk.subarray(0, Math.min(chunk.length, bytes - sent)))) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
  }
}

describe('lingerBeforeClose: a refused request whose body had not been read', () => {
  it('keeps reading until the declared body has arrived, then ends the connection cleanly: the client sees its answer and no reset', async () => {
    const declared = 8 * 1024 * 1024;
    const seen = await refused(declared, async (socket) => {
      // Written slowly enough for the server to have answered long before the body ends.
      await write(socket, declared / 2);
      await pause(300);
      await write(socket, declared / 2);
    });
    expect(seen.answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(seen.answer.toLowerCase()).toContain('connection: close');
    expect(seen.error).toBeUndefined();
    expect(seen.endedAfterMs).toBeGreaterThanOrEqual(250);
    expect(closed).toEqual([expect.objectContaining({ bodyBytes: declared })]);
  });

  it('ends the connection after idleMs when the client sends no more of its body', async () => {
    bounds = { ...bounds, idleMs: 200 };
    const seen = await refused(100_000, (socket) => write(socket, 10_000));
    expect(seen.answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(closed[0]!.afterMs).toBeGreaterThanOrEqual(190);
    // Ended by the idle bound, not the overall one.
    expect(closed[0]!.afterMs).toBeLessThan(bounds.maxMs);
    expect(closed[0]!.bodyBytes).toBe(10_000);
  });

  it('takes a client sending slowly but steadily for a live one until maxMs', async () => {
    bounds = { ...bounds, idleMs: 1_000, maxMs: 1_500 };
    const seen = await refused(1_000_000, async (socket) => {
      for (let i = 0; i < 80 && !socket.destroyed; i++) {
        socket.write(Buffer.alloc(100, 'x'));
        await pause(50);
      }
    });
    expect(seen.answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(closed[0]!.afterMs).toBeGreaterThanOrEqual(1_490);
    // Ended by the overall bound while the client was still sending (it had 8,000 bytes to send, never idle).
    expect(closed[0]!.bodyBytes).toBeLessThan(8_000);
  });

  it('stops reading at maxBytes, whatever the declared length', async () => {
    bounds = { ...bounds, maxBytes: 1024 * 1024 };
    await refused(32 * 1024 * 1024, (socket) => write(socket, 32 * 1024 * 1024));
    expect(closed[0]!.bodyBytes).toBeGreaterThanOrEqual(1024 * 1024);
    // What was in flight when it stopped, at most the socket buffers: far from the 32 MiB declared.
    expect(closed[0]!.bodyBytes).toBeLessThan(16 * 1024 * 1024);
  });

  it('closes at once when the body had already arrived with the headers', async () => {
    bounds = { ...bounds, idleMs: 30_000, maxMs: 60_000 };
    const seen = await refused(0, async () => undefined);
    expect(seen.answer).toMatch(/^HTTP\/1\.1 503 /);
    // Not after a bound: the body was complete.
    expect(closed[0]!.afterMs).toBeLessThan(10_000);
  });
});
