import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a target server received. */
export interface CapturedRequest {
  readonly method: string;
  /** The request target as sent: path and query string. */
  readonly path: string;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as UTF-8 text ('' when there is none). */
  readonly body: string;
  /** The parsed body when the content type is JSON and the body parses; undefined otherwise. */
  readonly json?: unknown;
  /** Date.now() at arrival. */
  readonly receivedAt: number;
}

/** How to answer one request. Every field is optional: the default answer is 200 `{"ok":true}`. */
export interface TargetResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is (text/plain unless a content-type header is given); an object as JSON. */
  body?: string | object;
  /** Answer after this many milliseconds (time-out tests). */
  delayMs?: number;
}

export interface TargetServerOptions {
  /**
   * Decides the answer to each request; `n` is the request's number from 1, counted since start or the last `clear()`
   * (e.g. `n <= 2 ? { status: 503 } : {}` fails the first two attempts). A throw answers 500 with its message.
   */
  respond?: (req: CapturedRequest, n: number) => TargetResponse | Promise<TargetResponse>;
}

/** A real HTTP server on 127.0.0.1 (keep-alive) that records every request. */
export interface TargetServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  /** Requests in arrival order; the same array all along (`clear()` empties it). */
  readonly requests: readonly CapturedRequest[];
  /** Requests received so far, or those whose path starts with `pathPrefix`. */
  count(pathPrefix?: string): number;
  /**
   * Resolves with the requests (matching `pathPrefix` when given) once at least `n` have arrived. Rejects after
   * `timeoutMs` (default 5000) saying how many arrived, or when the server closes.
   */
  waitFor(n: number, timeoutMs?: number, pathPrefix?: string): Promise<CapturedRequest[]>;
  /** Forgets the requests and restarts the numbering `respond` sees. */
  clear(): void;
  /** Stops listening, drops delayed answers and closes every connection. Safe to call twice. */
  close(): Promise<void>;
}

interface Waiter {
  readonly check: () => boolean;
  readonly fail: (err: Error) => void;
}

/** Starts a target server on a free port of 127.0.0.1. */
export async function startTargetServer(options: TargetServerOptions = {}): Promise<TargetServer> {
  const requests: CapturedRequest[] = [];
  const waiters = new Set<Waiter>();
  const delayed = new Set<NodeJS.Timeout>();
  let n = 0;

  const matching = (prefix?: string) => (prefix === undefined ? requests : requests.filter((r) => r.path.startsWith(prefix)));
  const wake = () => {
    for (const w of [...waiters]) if (w.check()) waiters.delete(w);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const captured: CapturedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers,
      body,
      json: parseJson(headers['content-type'], body),
      receivedAt: Date.now(),
    };
    requests.push(captured);
    const number = ++n;
    wake();
    let answer: TargetResponse;
    try {
      answer = options.respond ? await options.respond(captured, number) : {};
    } catch (err) {
      answer = { status: 500, body: `respond threw: ${err instanceof Error ? err.message : String(err)}` };
    }
    const send = () => write(res, answer);
    if (!answer.delayMs) return send();
    // Closed while `respond` ran: no delayed answer may outlive the server (it would hold the process open).
    if (closing) return void res.destroy();
    const timer = setTimeout(() => {
      delayed.delete(timer);
      send();
    }, answer.delayMs);
    delayed.add(timer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end(String(err));
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    requests,
    count: (prefix) => matching(prefix).length,
    waitFor(count, timeoutMs = 5_000, prefix) {
      return new Promise<CapturedRequest[]>((resolve, reject) => {
        const what = `${count} request(s)${prefix === undefined ? '' : ` to ${prefix}`} at ${url}`;
        let timer: NodeJS.Timeout | undefined;
        const waiter: Waiter = {
          check: () => {
            const got = matching(prefix);
            if (got.length < count) return false;
            clearTimeout(timer);
            resolve([...got]);
            return true;
          },
          fail: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        if (waiter.check()) return;
        if (closing) return reject(new Error(`waiting for ${what}: the server is closed`));
        waiters.add(waiter);
        timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${matching(prefix).length}`));
        }, timeoutMs);
      });
    },
    clear() {
      requests.length = 0;
      n = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of delayed) clearTimeout(timer);
        delayed.clear();
        for (const w of waiters) w.fail(new Error(`the target server at ${url} closed while a test waited on it`));
        waiters.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(contentType: string | undefined, body: string): unknown {
  if (!contentType?.toLowerCase().includes('json') || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

function write(res: ServerResponse, answer: TargetResponse): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k.toLowerCase()] = v;
  const status = answer.status ?? 200;
  if (status === 204 || status === 304) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  let body: string;
  const given = answer.body ?? { ok: true };
  if (typeof given === 'string') {
    body = given;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else {
    body = JSON.stringify(given);
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}
