import { ConfigError, toBusError, type IngressBinding, type IngressConnector, type Logger, type MessageSink, type SourceStatus } from '@junction/core';
import type { LeaseStore } from '@junction/store';
import { SqlPoller } from './sql-poller';
import type { SqlPool, SqlPools } from './sql-pool';
import { checkSqlSource, type SqlSourceDef } from './sql.config';

interface Bound {
  readonly signature: string;
  readonly poller: SqlPoller;
  readonly pool: SqlPool;
}

/**
 * SQL ingress: one SqlPoller per bound route, polling from `start` on. On reload, a route whose source config is
 * unchanged keeps its poller; a changed or removed one stops after the batch in hand. `close` stops every poller,
 * waits (bounded) for the batches in hand, and gives the pools back.
 */
export class SqlIngress implements IngressConnector<SqlSourceDef> {
  readonly kind = 'sql';
  private sink?: MessageSink;
  private closing = false;
  private readonly bound = new Map<string, Bound>();
  private readonly retired = new Set<Promise<void>>();

  constructor(
    private readonly pools: SqlPools,
    private readonly leases: LeaseStore,
    private readonly log: Logger,
  ) {}

  async prepare(bindings: readonly IngressBinding<SqlSourceDef>[]): Promise<void> {
    const problems: string[] = [];
    for (const b of bindings) {
      for (const p of checkSqlSource(b.config)) problems.push(`route ${b.routeId}: ${p.path.join('.')}: ${p.message}`);
    }
    if (problems.length > 0) throw new ConfigError(problems[0], problems);
  }

  async start(sink: MessageSink): Promise<void> {
    if (this.closing) return;
    this.sink = sink;
    for (const { poller } of this.bound.values()) poller.start(sink);
  }

  bind(bindings: readonly IngressBinding<SqlSourceDef>[]): void {
    if (this.closing) return;
    const wanted = new Map(bindings.map((b) => [b.routeId, b]));
    for (const [routeId, current] of this.bound) {
      const b = wanted.get(routeId);
      if (b && signature(b) === current.signature) continue;
      this.bound.delete(routeId);
      this.retire(current);
    }
    for (const b of bindings) {
      if (this.bound.has(b.routeId)) continue;
      try {
        const pool = this.pools.acquire(b.config.url);
        const poller = new SqlPoller({ routeId: b.routeId, config: b.config, pool, leases: this.leases, log: this.log });
        this.bound.set(b.routeId, { signature: signature(b), poller, pool });
        if (this.sink) poller.start(this.sink);
      } catch (err) {
        this.log.error({ routeId: b.routeId, err: toBusError(err).message }, 'SQL source not started');
      }
    }
  }

  async close(timeoutMs = 10_000): Promise<void> {
    this.closing = true;
    for (const b of this.bound.values()) this.retire(b);
    this.bound.clear();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.all([...this.retired]), timeout]);
    clearTimeout(timer);
  }

  async status(): Promise<SourceStatus[]> {
    return [...this.bound.values()].map(({ poller }) => poller.status());
  }

  /** Stops a poller; its pool goes back once the batch in hand was taken. */
  private retire(b: Bound): void {
    b.poller.stop();
    const settled = b.poller.settled().then(() => this.pools.release(b.pool));
    this.retired.add(settled);
    void settled.then(() => this.retired.delete(settled));
  }
}

/** What identifies a running poller: a route whose signature changes on reload gets a new one. */
function signature(b: IngressBinding<SqlSourceDef>): string {
  return `${b.mode} ${JSON.stringify(b.config)}`;
}
