import { SingleBar } from 'cli-progress';
import { AdminClient } from './admin-client';
import { CliError, EXIT } from './exit-codes';
import { fields, json, plural, table, time, type Io } from './output';

/** Options every command against a running bus takes. */
export interface AdminOptions {
  readonly url: string;
  readonly token?: string;
  readonly json?: boolean;
}

interface Route {
  id: string;
  mode: string;
  file: string;
  description?: string;
  source: { kind: string; path?: string; topic?: string; topicPattern?: string; queue?: string; [k: string]: unknown };
  targets: Array<{ id: string; kind: string }>;
}
interface Failure {
  code: string;
  message: string;
}
interface MessageSummary {
  id: string;
  routeId: string;
  businessKey: string | null;
  status: string;
  mode: string;
  sourceKind: string;
  failure: Failure | null;
  receivedAt: number;
}
interface Delivery {
  id: string;
  targetId: string;
  status: string;
  attempts?: unknown[];
  maxAttempts?: number;
  partIndex: number | null;
  lastError?: Failure | string | null;
  updatedAt?: number;
}
interface DeadLetter {
  id: string;
  messageId: string;
  routeId: string;
  targetId: string | null;
  reason: Failure;
  createdAt: number;
  replayedAt: number | null;
  replayCount: number;
}
interface SourceStatus {
  routeId: string;
  state: string;
  since: number;
  backlog?: number;
  error?: string;
}
interface Connector {
  kind: string;
  title: string;
  sources: SourceStatus[];
}
interface Circuit {
  routeId: string;
  targetId: string;
  state: string;
  since: number;
  calls: number;
  failures: number;
  opened: number;
}

/** `junction routes` */
export async function routesCommand(o: AdminOptions, io: Io): Promise<number> {
  const { body } = await client(o).get<Route[]>('/admin/routes');
  if (o.json) return write(io, json(body));
  const rows = body.map((r) => [r.id, r.mode, sourceOf(r.source), r.targets.map((t) => `${t.id} (${t.kind})`).join('\n'), r.file]);
  io.out.write(table(['route', 'mode', 'source', 'targets', 'file'], rows));
  io.out.write(`${plural(body.length, 'route')}\n`);
  return EXIT.OK;
}

/** `junction messages [--route --status --since --key --limit]` */
export async function messagesCommand(o: AdminOptions & { route?: string; status?: string; since?: string; key?: string; limit?: string }, io: Io): Promise<number> {
  const since = o.since === undefined ? undefined : sinceMs(o.since, Date.now());
  const { body } = await client(o).get<MessageSummary[]>('/admin/messages', { route: o.route, status: o.status, since, businessKey: o.key, limit: o.limit });
  if (o.json) return write(io, json(body));
  const rows = body.map((m) => [m.id, m.routeId, m.status, m.businessKey, time(m.receivedAt), m.failure && `${m.failure.code}: ${m.failure.message}`]);
  io.out.write(table(['id', 'route', 'status', 'key', 'received', 'failure'], rows));
  io.out.write(`${plural(body.length, 'message')}\n`);
  return EXIT.OK;
}

/** `junction message <id>`: the journal record, its deliveries and dead letters. */
export async function messageCommand(id: string, o: AdminOptions, io: Io): Promise<number> {
  const { body: m } = await client(o).get<MessageSummary & Record<string, unknown>>(`/admin/messages/${encodeURIComponent(id)}`);
  if (o.json) return write(io, json(m));
  const deliveries = (m.deliveries ?? []) as Delivery[];
  const deadLetters = (m.deadLetters ?? []) as DeadLetter[];
  io.out.write(
    fields([
      ['id', m.id],
      ['route', m.routeId],
      ['status', m.status],
      ['mode', m.mode],
      ['source', `${m.sourceKind} ${String(m.sourceAddress ?? '')}`.trim()],
      ['business key', m.businessKey],
      ['correlation id', m.correlationId],
      ['received', time(m.receivedAt)],
      ['updated', time(m.updatedAt as number)],
      ['failure', m.failure && `${m.failure.code}: ${m.failure.message}`],
      ['body', bodyText(m.body)],
    ]),
  );
  if (deliveries.length > 0) {
    io.out.write('deliveries\n');
    io.out.write(table(['delivery', 'target', 'part', 'status', 'attempts', 'last error'], deliveries.map((d) => [d.id, d.targetId, d.partIndex, d.status, `${d.attempts?.length ?? 0}/${d.maxAttempts ?? '-'}`, errorText(d.lastError)])));
  }
  if (deadLetters.length > 0) {
    io.out.write('dead letters\n');
    io.out.write(table(['dead letter', 'target', 'reason', 'created', 'replays'], deadLetters.map((d) => [d.id, d.targetId, `${d.reason.code}: ${d.reason.message}`, time(d.createdAt), d.replayCount])));
  }
  return EXIT.OK;
}

/** `junction dead-letters [--route --all --limit]` */
export async function deadLettersCommand(o: AdminOptions & { route?: string; all?: boolean; limit?: string }, io: Io): Promise<number> {
  const { body } = await client(o).get<DeadLetter[]>('/admin/dead-letters', { route: o.route, replayed: o.all ? undefined : false, limit: o.limit });
  if (o.json) return write(io, json(body));
  const rows = body.map((d) => [d.id, d.routeId, d.targetId, `${d.reason.code}: ${d.reason.message}`, time(d.createdAt), d.replayedAt ? `${d.replayCount} (last ${time(d.replayedAt)})` : d.replayCount, d.messageId]);
  io.out.write(table(['dead letter', 'route', 'target', 'reason', 'created', 'replays', 'message'], rows));
  io.out.write(`${plural(body.length, 'dead letter')}${o.all ? '' : ' not replayed'}\n`);
  return EXIT.OK;
}

/** `junction replay <id...>` or `junction replay --route <id>`: one request per dead letter, a progress bar on a
 *  terminal; exit 1 when any failed (the others are replayed all the same). */
export async function replayCommand(ids: string[], o: AdminOptions & { route?: string }, io: Io & { tty: boolean }): Promise<number> {
  const bus = client(o);
  let todo = ids;
  if (o.route) {
    if (ids.length > 0) throw new CliError(EXIT.USAGE, 'give dead letter ids or --route, not both');
    const { body } = await bus.get<DeadLetter[]>('/admin/dead-letters', { route: o.route, replayed: false, limit: 1000 });
    todo = body.map((d) => d.id);
    if (todo.length === 0) io.err.write(`no dead letters to replay on route ${o.route}\n`);
  } else if (ids.length === 0) {
    throw new CliError(EXIT.USAGE, 'give the ids of the dead letters to replay, or --route <route>');
  }
  const bar = io.tty && todo.length > 1 ? new SingleBar({ stream: io.err, format: 'replaying [{bar}] {value}/{total} {eta_formatted}', hideCursor: true }) : undefined;
  bar?.start(todo.length, 0);
  const results: Array<{ id: string; requeued?: unknown; error?: string }> = [];
  for (const id of todo) {
    try {
      const { body } = await bus.post<{ requeued: unknown }>(`/admin/dead-letters/${encodeURIComponent(id)}/replay`);
      results.push({ id, requeued: body.requeued });
    } catch (err) {
      // An unreachable bus stops the run: the rest would fail the same way.
      if (err instanceof CliError && err.exitCode === EXIT.UNREACHABLE) {
        bar?.stop();
        throw err;
      }
      results.push({ id, error: (err as Error).message });
    }
    bar?.increment();
  }
  bar?.stop();
  const failed = results.filter((r) => r.error !== undefined).length;
  if (o.json) io.out.write(json({ replayed: results.length - failed, failed, results }));
  else {
    if (results.length > 0) io.out.write(table(['dead letter', 'result'], results.map((r) => [r.id, r.error ?? `requeued: ${describeRequeued(r.requeued)}`])));
    io.out.write(`${results.length - failed} replayed, ${failed} failed\n`);
  }
  return failed > 0 ? EXIT.ERROR : EXIT.OK;
}

/** `junction reload`: the route folder loaded again; a refused reload (exit 1) lists its problems. */
export async function reloadCommand(o: AdminOptions, io: Io): Promise<number> {
  const { body } = await client(o).post<{ ok: boolean; routes: number; problems: string[]; at: number }>('/admin/routes/reload', undefined, [422]);
  if (o.json) io.out.write(json(body));
  else if (body.ok) io.out.write(`ok: ${plural(body.routes, 'route')} loaded\n`);
  else {
    for (const p of body.problems) io.err.write(`${p}\n`);
    io.err.write(`reload refused (${plural(body.problems.length, 'problem')}); ${plural(body.routes, 'route')} still running\n`);
  }
  return body.ok ? EXIT.OK : EXIT.ERROR;
}

/** `junction status`: health, each route's source (state, lag), open and half-open circuits. Exit 1 when the bus
 *  is not ready (store unreachable or no routes). */
export async function statusCommand(o: AdminOptions, io: Io): Promise<number> {
  const bus = client(o);
  const [health, connectors, resilience] = await Promise.all([
    bus.get<{ status: string; ready: boolean; store: { ok: boolean; driver?: string; error?: string }; routes: number; lastReload?: { ok: boolean; at: number } }>('/health', {}, [503]),
    bus.get<Connector[]>('/admin/connectors'),
    bus.get<{ circuits: Circuit[]; throttles: unknown[] }>('/admin/resilience'),
  ]);
  const h = health.body;
  if (o.json) {
    io.out.write(json({ health: h, connectors: connectors.body, resilience: resilience.body }));
    return h.ready ? EXIT.OK : EXIT.ERROR;
  }
  io.out.write(
    fields([
      ['status', h.status],
      ['store', h.store.ok ? `ok${h.store.driver ? ` (${h.store.driver})` : ''}` : `unreachable${h.store.error ? `: ${h.store.error}` : ''}`],
      ['routes', h.routes],
      ['last reload', h.lastReload ? `${h.lastReload.ok ? 'ok' : 'refused'} at ${time(h.lastReload.at)}` : '-'],
    ]),
  );
  const sources = connectors.body.flatMap((c) => c.sources.map((s) => [s.routeId, c.kind, s.state, time(s.since), s.backlog, s.error]));
  io.out.write('sources\n');
  io.out.write(sources.length > 0 ? table(['route', 'kind', 'state', 'since', 'lag', 'error'], sources) : '(none: no route reads from a broker or a schedule)\n');
  const circuits = resilience.body.circuits;
  io.out.write('circuit breakers\n');
  io.out.write(
    circuits.length > 0
      ? table(['route', 'target', 'state', 'since', 'failures/calls', 'opened'], circuits.map((c) => [c.routeId, c.targetId, c.state, time(c.since), `${c.failures}/${c.calls}`, c.opened]))
      : '(none configured)\n',
  );
  return h.ready ? EXIT.OK : EXIT.ERROR;
}

/** `--since`: epoch ms, an ISO date, or a duration back from now (`30s`, `15m`, `2h`, `7d`). */
export function sinceMs(value: string, now: number): number {
  const ago = /^(\d+)(s|m|h|d)$/.exec(value);
  if (ago) return now - Number(ago[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d+$/.test(value)) return Number(value);
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new CliError(EXIT.USAGE, `--since: expected a duration (15m, 2h, 7d), an ISO date or epoch ms, got "${value}"`);
  return t;
}

function client(o: AdminOptions): AdminClient {
  return new AdminClient({ url: o.url, token: o.token });
}

function write(io: Io, text: string): number {
  io.out.write(text);
  return EXIT.OK;
}

function sourceOf(s: Route['source']): string {
  const where = s.path ?? s.topic ?? s.topicPattern ?? s.queue ?? (typeof s.dir === 'string' ? s.dir : undefined);
  return where ? `${s.kind} ${where}` : s.kind;
}

function errorText(e: Failure | string | null | undefined): string | undefined {
  if (!e) return undefined;
  return typeof e === 'string' ? e : `${e.code}: ${e.message}`;
}

const BODY_SHOWN = 2000;

/** The body as the admin API shows it (masked), cut for a terminal; `--json` has all of it. */
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > BODY_SHOWN ? `${text.slice(0, BODY_SHOWN)}… (${text.length} characters; --json shows all)` : text;
}

function describeRequeued(r: unknown): string {
  const { kind, id } = (r ?? {}) as { kind?: string; id?: string };
  return kind && id ? `${kind} ${id}` : JSON.stringify(r);
}
