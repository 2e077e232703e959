import { request } from 'node:http';
import type { ChildBus } from './child-bus';

/**
 * Calls on a connection of their own (no keep-alive), for a bus run as several processes (WORKERS > 1): the primary
 * hands each new connection to a worker in turn, so that such calls spread over the workers.
 */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One call on a connection of its own (no keep-alive), so that calls spread over the workers. */
/** `body` goes as JSON; `text` as it is, under the content type `headers` give. */
export function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown; text?: string } = {}): Promise<Reply> {
  const json = options.body === undefined ? undefined : JSON.stringify(options.body);
  const body = options.text ?? json;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        agent: false,
        headers: { connection: 'close', ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The worker numbers that answered `n` calls to /health. */
export async function workersAnswering(bus: ChildBus, n = 12): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) seen.add((await call(`${bus.url}/health`)).json.worker);
  return seen;
}
