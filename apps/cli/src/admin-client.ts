import { CliError, EXIT } from './exit-codes';

/** Where the bus is and the token to show it: `--url`/`--token`, else JUNCTION_URL / JUNCTION_TOKEN. */
export interface Connection {
  readonly url: string;
  readonly token?: string;
}

/** A reply of the bus read as JSON (null when the body was empty or not JSON). */
export interface AdminReply<T> {
  readonly status: number;
  readonly body: T;
}

const TIMEOUT_MS = 30_000;

/**
 * The admin API of a running bus, over HTTP. Every failure is a CliError: a connection error or a timeout exits 3
 * (the bus cannot be reached); an error status exits 1 with the problem body's detail.
 */
export class AdminClient {
  private readonly base: URL;

  constructor(private readonly connection: Connection) {
    try {
      this.base = new URL(connection.url);
    } catch {
      throw new CliError(EXIT.USAGE, `not a URL: "${connection.url}" (set JUNCTION_URL or --url, e.g. http://127.0.0.1:8080)`);
    }
    if (!/^https?:$/.test(this.base.protocol)) throw new CliError(EXIT.USAGE, `expected an http:// or https:// URL, got "${connection.url}"`);
  }

  /** GET `path` with the query's defined values; throws on an error status unless `accept` lists it. */
  async get<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}, accept: number[] = []): Promise<AdminReply<T>> {
    const url = this.url(path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return this.send<T>('GET', url, undefined, accept);
  }

  /** POST a JSON body (or none) to `path`. */
  async post<T>(path: string, body?: unknown, accept: number[] = []): Promise<AdminReply<T>> {
    return this.send<T>('POST', this.url(path), body, accept);
  }

  private url(path: string): URL {
    const url = new URL(this.base.href);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    return url;
  }

  private async send<T>(method: string, url: URL, body: unknown, accept: number[]): Promise<AdminReply<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.token) headers.authorization = `Bearer ${this.connection.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new CliError(EXIT.UNREACHABLE, `cannot reach the bus at ${this.base.origin}: ${reason(err)}`);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.status >= 400 && !accept.includes(res.status)) throw new CliError(EXIT.ERROR, problemMessage(res.status, json, text));
    return { status: res.status, body: json as T };
  }
}

/** What went wrong with a request that got no answer: the system error's code where there is one. */
function reason(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer in ${TIMEOUT_MS / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function problemMessage(status: number, json: unknown, text: string): string {
  const p = (json ?? {}) as { detail?: string; title?: string; message?: string };
  const detail = p.detail ?? p.message ?? p.title ?? text.slice(0, 200);
  if (status === 401) return `the bus refused the credentials (401): set JUNCTION_TOKEN or --token to the admin token${detail ? ` (${detail})` : ''}`;
  if (status === 403) return `the bus refused the request (403): ${detail}`;
  return `the bus answered ${status}: ${detail}`;
}
