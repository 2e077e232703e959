import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How long, and how much, a refused request's unread body is read and discarded before its connection is closed. */
export interface LingerBounds {
  /** Bytes of body discarded at most; the declared Content-Length ends it sooner. */
  readonly maxBytes: number;
  /** Time from the answer to the close at most, whatever arrives. */
  readonly maxMs: number;
  /** A client that sent nothing for this long is not finishing its body. */
  readonly idleMs: number;
}

/**
 * Apache httpd's and nginx's bounds (`lingering_time` 30 s; `lingering_timeout` 5 s, httpd 2 s). The bytes are the
 * caller's: the most the server would have read to take the body (its body limit).
 */
export const LINGER_MS = 30_000;
export const LINGER_IDLE_MS = 5_000;

const closing = new WeakSet<Socket>();

/**
 * Whether `socket` is a connection answered with `Connection: close` whose close lingers: a request pipelined after
 * the refused one is parsed while the body is read, and must not be processed (RFC 9112, 9.6); it gets no answer.
 */
export function closingAfterRefusal(socket: Socket): boolean {
  return closing.has(socket);
}

/**
 * A lingering close of `req`'s connection, as httpd and nginx do it: the server answers with `Connection: close`
 * before it has read the body (an early refusal), and Node then ends the connection as soon as the answer is written.
 * A client still writing its body gets a reset, which on Linux also drops the answer it has not read yet: it sees
 * EPIPE or ECONNRESET instead of its 503. Here the close waits until the rest of the body has arrived (read and
 * dropped as it comes) or a bound of `bounds` is reached, whichever comes first; the client reads its answer and pays
 * a new connection for its next request. Call it before the answer is sent.
 */
export function lingerBeforeClose(req: IncomingMessage, bounds: LingerBounds): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  const close = socket.destroySoon;
  if (typeof close !== 'function') return;
  closing.add(socket);
  // The body is consumed here rather than left to Node (which would stop handing it to the request once discarded,
  // so that it could not be counted): each chunk is counted and dropped as it arrives.
  let bytes = 0;
  let lingering = false;
  let finished = false;
  const count = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes >= bounds.maxBytes && lingering) done();
  };
  req.on('data', count);
  let whole: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;
  const done = (): void => {
    if (finished) return;
    finished = true;
    clearTimeout(whole);
    clearTimeout(idle);
    req.off('data', count);
    req.off('end', done);
    socket.off('close', done);
    if (!socket.destroyed) close.call(socket);
  };
  // Node's server ends a connection whose answer said `Connection: close` with destroySoon once the answer is written;
  // this socket's runs once the body is in or a bound is reached.
  socket.destroySoon = (): void => {
    lingering = true;
    if (req.complete || socket.destroyed || bytes >= bounds.maxBytes) return done();
    let checked = bytes;
    // Idle is judged after the poll phase (setImmediate), so that a stalled event loop, whose timers run before it
    // reads what arrived meanwhile, does not take a client still sending for an idle one.
    idle = setTimeout(() => {
      setImmediate(() => {
        if (finished) return;
        if (bytes === checked) return done();
        checked = bytes;
        idle!.refresh();
      });
    }, bounds.idleMs);
    whole = setTimeout(done, bounds.maxMs);
    req.once('end', done);
    socket.once('close', done);
  };
}
