import { randomUUID } from 'node:crypto';
import { BusError, StoreError } from '@junction/core';
import type { DataSource } from 'typeorm';
import { AdminQueries } from './admin-queries';
import { insertAudit, listAudit } from './audit-log';
import { buildDataSource, migrate } from './data-source';
import { isLockConflict, toStoreError } from './db-errors';
import { applyCompletions, type Completion } from './completion-batch';
import { replayDeadLetter } from './dead-letter-replay';
import { storeEntities, type StoreEntities } from './entities';
import { GroupCommit } from './group-commit';
import { JournalPurge } from './journal-purge';
import { journalSize, messageEstimate } from './journal-size';
import { addExchangeRows, emptyRows, insertJournalRows, messageRow } from './row-builders';
import { storedDelivery, storedMessage } from './row-mappers';
import { SqlExecutor, type Sql } from './sql-executor';
import { SqlLeases } from './sql-leases';
import { SqlIdempotent } from './sql-idempotent';
import { DeliveryLeaseStatements } from './sql-delivery-leases';
import { SqlCorrelation } from './sql-correlation';
import type { CorrelationStore } from './correlation.types';
import { SqlStatements } from './sql-statements';
import type { StoreContext } from './store-context';
import { redact, type StoreTarget } from './store-url';
import type { LeaseStore } from './lease.types';
import { WalCheckpoint } from './wal-checkpoint';
import type {
  AttemptOutcome,
  AttemptRecord,
  AuditEntry,
  AuditFilter,
  DeadLetterDetail,
  DeadLetterFilter,
  DeadLetterSummary,
  Exchange,
  JournalOptions,
  JournalSize,
  MessageDetail,
  MessageFilter,
  MessageSummary,
  NewAuditEntry,
  NewMessage,
  PurgeOptions,
  PurgeReport,
  ReplayEdit,
  RetentionPolicy,
  RoutingHandOff,
  RoutingResult,
  Store,
  StoreHealth,
  StoreLogger,
  StoreStats,
  TargetQueue,
  StoredDelivery,
  StoredMessage,
  TargetRef,
} from './store.types';

const HEALTH_TIMEOUT_MS = 2000;
/** At most this long between masking a payload and truncating the SQLite WAL that still holds its original. */
const MASKED_CHECKPOINT_MS = 1000;
/** Items per group-commit transaction. */
const MAX_BATCH = 1000;
// How long a sync record written after its reply may wait for others to share its commit (GroupCommit's linger).
const ANSWERED_LINGER_MS = 5;

type JournalItem = { kind: 'accept'; message: NewMessage } | { kind: 'exchange'; exchange: Exchange };
type WriteOp = (sql: Sql) => Promise<unknown>;
type Write = { kind: 'op'; op: WriteOp } | Completion;

/** The Store on TypeORM, for SQLite and PostgreSQL. See Store for the contract. */
export class SqlStore implements Store {
  readonly driver: 'sqlite' | 'postgres';
  readonly leases: LeaseStore;
  readonly idempotent: SqlIdempotent;
  readonly correlation: CorrelationStore;
  private readonly entities: StoreEntities;
  private readonly context: StoreContext;
  private readonly admin: AdminQueries;
  private readonly journal: GroupCommit<JournalItem>;
  /**
   * The outbox's completions (completeRouting, recordAttempt), group-committed: a commit costs more than the few
   * statements of one completion (SQLite: one writer; PostgreSQL: a round trip and a WAL flush each), and on
   * PostgreSQL a batch is written with a few multi-row statements (see applyCompletions). On SQLite the replays go
   * through it too. On PostgreSQL its transactions run with `synchronous_commit = off`: see `writeBatch`.
   */
  private readonly writes: GroupCommit<Write, unknown>;
  private readonly purge: JournalPurge;
  private readonly deliveryLeases: DeliveryLeaseStatements;
  private dataSource: DataSource | null = null;
  private executor: SqlExecutor | null = null;
  private initError: string | undefined;
  private opening: Promise<void> | null = null;
  private closed = false;
  /** SQLite files only: the checkpoint that follows masked writes. */
  private readonly walCheckpoint?: WalCheckpoint;

  constructor(
    private readonly target: StoreTarget,
    options: { instanceId?: string; logger?: StoreLogger } = {},
  ) {
    this.driver = target.driver;
    this.entities = storeEntities(target.driver);
    const statements = new SqlStatements(target.driver);
    this.context = {
      statements,
      instanceId: options.instanceId ?? randomUUID(),
      logger: options.logger ?? { warn: () => undefined },
    };
    this.admin = new AdminQueries(this.entities, statements);
    this.deliveryLeases = new DeliveryLeaseStatements(target.driver);
    this.leases = new SqlLeases(target.driver, this.context.instanceId, () => this.exec());
    this.idempotent = new SqlIdempotent(target.driver, statements, () => this.exec());
    this.correlation = new SqlCorrelation(target.driver, this.context.instanceId, () => this.exec(), () => statements);
    this.journal = new GroupCommit((items) => this.writeJournal(items), MAX_BATCH, ANSWERED_LINGER_MS);
    this.writes = new GroupCommit((items) => this.writeBatch(items), MAX_BATCH);
    // Each purge statement runs alone, outside the group commits: on SQLite it queues behind the writes already
    // waiting for the one connection, so ingress goes first between two batches.
    this.purge = new JournalPurge({
      driver: this.driver,
      run: (what, work) => this.exec().run(what, work),
      size: () => this.journalSize(),
      messageEstimate: () => this.exec().run('estimating the journal', (sql) => messageEstimate(sql, target)),
    });
    if (target.driver === 'sqlite' && target.path !== ':memory:') {
      this.walCheckpoint = new WalCheckpoint(
        async () => {
          const [result] = await this.exec().run('checkpointing the WAL', (sql) => sql.rows<{ busy: number }>('PRAGMA wal_checkpoint(TRUNCATE)'));
          // Another process reading or writing the file kept the log from being emptied (the store's connection does
          // not sleep waiting for it): WalCheckpoint tries again.
          if (result?.busy) throw new Error('the WAL is in use by another process');
        },
        MASKED_CHECKPOINT_MS,
        // Told once, then once a minute while other processes keep the file busy (it is tried again every second).
        (err, inARow) => {
          if (inARow === 1 || inARow % 60 === 0) this.context.logger.warn({ err, inARow }, 'store: the WAL checkpoint after masking failed; trying again');
        },
      );
    }
  }

  async init(): Promise<void> {
    if (this.executor) return;
    if (this.closed) throw new StoreError('store is closed');
    this.opening ??= this.open().finally(() => (this.opening = null));
    return this.opening;
  }

  private async open(): Promise<void> {
    const dataSource = buildDataSource(this.target, this.entities, this.context.logger);
    try {
      await dataSource.initialize();
      await migrate(dataSource, this.target);
    } catch (err) {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      const error = toStoreError(err, `opening the ${this.driver} store`);
      this.initError = error.message;
      throw error;
    }
    this.initError = undefined;
    this.dataSource = dataSource;
    this.executor = new SqlExecutor(dataSource, this.driver);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.journal.close(), this.writes.close(), this.idempotent.close()]);
    await this.walCheckpoint?.close();
    const dataSource = this.dataSource;
    this.dataSource = null;
    this.executor = null;
    if (dataSource?.isInitialized) await dataSource.destroy();
  }

  async health(): Promise<StoreHealth> {
    const started = performance.now();
    const result = (ok: boolean, error?: string): StoreHealth => ({
      ok,
      driver: this.driver,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      ...(error === undefined ? {} : { error }),
    });
    if (!this.executor) return result(false, this.initError ?? (this.closed ? 'store is closed' : 'store not initialised'));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.executor.run('health check', (sql) => sql.rows('SELECT 1 AS ok')),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new StoreError(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
        }),
      ]);
      return result(true);
    } catch (err) {
      return result(false, err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  async acceptMessage(message: NewMessage): Promise<void> {
    return this.journal.submit({ kind: 'accept', message });
  }

  async journalExchange(exchange: Exchange, options: JournalOptions = {}): Promise<void> {
    return this.journal.submit({ kind: 'exchange', exchange }, options.answered === true);
  }

  async claimMessages(limit: number, leaseMs: number): Promise<StoredMessage[]> {
    if (limit < 1) return [];
    const now = Date.now();
    const { statements, instanceId } = this.context;
    const rows = await this.exec().run('claiming messages', (sql) =>
      sql.rows(statements.claimMessages, [instanceId, now + Math.round(leaseMs), now, Math.trunc(limit)]),
    );
    return rows.map(storedMessage).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async claimDeliveries(limit: number, leaseMs: number, skip: readonly TargetRef[] = []): Promise<StoredDelivery[]> {
    if (limit < 1) return [];
    const now = Date.now();
    const { statements, instanceId } = this.context;
    const params = statements.claimParams(instanceId, now + Math.round(leaseMs), now, Math.trunc(limit), skip);
    const rows = await this.exec().run('claiming deliveries', (sql) => sql.rows(statements.claimDeliveries, params));
    return rows.map(storedDelivery).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : 1));
  }

  async releaseDeliveries(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { statements, instanceId } = this.context;
    const params = statements.releaseParams(ids, instanceId);
    await this.exec().run('releasing deliveries', (sql) => sql.run(statements.releaseDeliveries, params));
  }

  async renewDeliveryLeases(ids: readonly string[], leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const params = this.deliveryLeases.renewParams(ids, Date.now() + Math.round(leaseMs), this.context.instanceId);
    const rows = await this.exec().run('renewing delivery leases', (sql) => sql.rows<{ id: string }>(this.deliveryLeases.renew, params));
    return rows.map((r) => r.id);
  }

  async renewMessageLeases(ids: readonly string[], leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const params = this.deliveryLeases.renewParams(ids, Date.now() + Math.round(leaseMs), this.context.instanceId);
    const rows = await this.exec().run('renewing message leases', (sql) => sql.rows<{ id: string }>(this.deliveryLeases.renewMessages, params));
    return rows.map((r) => r.id);
  }

  async deferDeliveries(ids: readonly string[], dueAt: number): Promise<void> {
    if (ids.length === 0) return;
    const params = this.deliveryLeases.deferParams(ids, Math.round(dueAt), Date.now(), this.context.instanceId);
    await this.exec().run('deferring deliveries', (sql) => sql.run(this.deliveryLeases.defer, params));
  }

  async completeRouting(messageId: string, result: RoutingResult, handOff?: RoutingHandOff): Promise<StoredDelivery[]> {
    const now = Date.now();
    return (await this.complete({ kind: 'route', messageId, result, handOff, now })) as StoredDelivery[];
  }

  async recordAttempt(deliveryId: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    const fixed = outcome.kind === 'retry' ? { ...outcome, nextAttemptAt: Math.round(outcome.nextAttemptAt) } : outcome;
    const now = Date.now();
    await this.complete({ kind: 'attempt', deliveryId, attempt, outcome: fixed, now });
  }

  async listMessages(filter: MessageFilter): Promise<MessageSummary[]> {
    await this.journal.flushed();
    return this.exec().run('listing messages', (sql) => this.admin.listMessages(sql, filter));
  }

  async getMessage(id: string): Promise<MessageDetail | null> {
    await this.journal.flushed();
    return this.exec().run('reading a message', (sql) => this.admin.getMessage(sql, id));
  }

  async listDeadLetters(filter: DeadLetterFilter): Promise<DeadLetterSummary[]> {
    await this.journal.flushed();
    return this.exec().run('listing dead letters', (sql) => this.admin.listDeadLetters(sql, filter));
  }

  async getDeadLetter(id: string): Promise<DeadLetterDetail | null> {
    await this.journal.flushed();
    return this.exec().run('reading a dead letter', (sql) => this.admin.getDeadLetter(sql, id));
  }

  async replayDeadLetter(id: string, edit: ReplayEdit = {}): Promise<{ kind: 'delivery' | 'message'; id: string }> {
    const now = Date.now();
    return this.write('replaying a dead letter', (sql) => replayDeadLetter(sql, this.context, id, edit, now));
  }

  async stats(): Promise<StoreStats> {
    return this.exec().run('counting', (sql) => this.admin.stats(sql));
  }

  async pendingByTarget(): Promise<TargetQueue[]> {
    return this.exec().run('counting pending deliveries', (sql) => this.admin.pendingByTarget(sql));
  }

  async purgeJournal(policy: RetentionPolicy, options?: PurgeOptions): Promise<PurgeReport> {
    this.exec();
    return this.purge.run(policy, options);
  }

  async journalSize(): Promise<JournalSize> {
    return this.exec().run('measuring the journal', (sql) => journalSize(sql, this.target));
  }

  async recordAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const now = Date.now();
    return this.exec().tx('recording an admin action', (sql) => insertAudit(sql, this.entities, entry, now));
  }

  async listAudit(filter: AuditFilter): Promise<AuditEntry[]> {
    return this.exec().run('reading the audit log', (sql) => listAudit(sql, this.entities, filter));
  }

  /** One group-commit batch: every accepted message and journaled exchange in one transaction. */
  private async writeJournal(items: JournalItem[]): Promise<void[]> {
    const now = Date.now();
    const rows = emptyRows();
    for (const item of items) {
      if (item.kind === 'accept') rows.messages.push(messageRow(item.message, 'received', [], null, now));
      else addExchangeRows(rows, item.exchange, now);
    }
    const what = items.length === 1 ? 'journaling a message' : `journaling ${items.length} messages`;
    // PostgreSQL: a batch that is one statement (accepted messages only, within one INSERT) is atomic and durable
    // alone: no BEGIN and COMMIT, two round trips fewer.
    const oneStatement =
      this.driver === 'postgres' &&
      rows.deliveries.length + rows.attempts.length + rows.deadLetters.length === 0 &&
      this.context.statements.insert('messages', rows.messages.length).length === 1;
    const write = (sql: Sql) => insertJournalRows(sql, this.context.statements, rows);
    await (oneStatement ? this.exec().run(what, write) : this.exec().tx(what, write));
    return items.map(() => undefined);
  }

  /** An outbox completion, group-committed on both drivers. An operation throws its BusErrors (NOT_FOUND) before
   *  writing anything; in a batch, any error rolls the batch back and GroupCommit runs each operation again alone. */
  private async complete(completion: Completion): Promise<unknown> {
    this.exec();
    return this.writes.submit(completion);
  }

  /** Another write: group-committed with the completions on SQLite (one writer); on PostgreSQL in its own, durable
   *  transaction (a replay is acknowledged to an admin). */
  private async write<R>(what: string, op: (sql: Sql) => Promise<R>): Promise<R> {
    if (this.driver === 'postgres') return this.exec().tx(what, op);
    this.exec();
    return (await this.writes.submit({ kind: 'op', op })) as R;
  }

  /**
   * One group-commit batch of writes in one transaction.
   *
   * PostgreSQL: `synchronous_commit = off` for this transaction only. Every operation here completes outbox work that
   * is already durable (an accepted message, a claimed delivery) and whose lease protects it: if a crash loses the
   * commit, the message or delivery is still 'received'/'pending' in the database and is claimed and done again once
   * its lease runs out, a second delivery that at-least-once allows. Acceptance (`acceptMessage`, `journalExchange`)
   * and replays, which answer a caller, stay durable. Lock order: a batch locks its routed messages, then its
   * deliveries, then the messages it settles (in id order); retries and dead deliveries go one by one after. Two
   * instances settling deliveries of the same messages can still deadlock; PostgreSQL then aborts one batch, which is
   * run again operation by operation (each alone locks its delivery, then its message). Deliveries a routing pass
   * hands off stay with the instance that routed their message, which keeps such overlaps rare.
   */
  private async writeBatch(items: Write[]): Promise<unknown[]> {
    const what = items.length === 1 ? 'writing' : `writing ${items.length} changes`;
    const ops = items.filter((x): x is Extract<Write, { kind: 'op' }> => x.kind === 'op');
    const completions = items.filter((x): x is Completion => x.kind !== 'op');
    try {
      return await this.exec().tx(what, async (sql) => {
        const done = await applyCompletions(sql, this.context, completions);
        const results = new Map<Write, unknown>(completions.map((c, i) => [c, done[i]]));
        for (const x of ops) results.set(x, await x.op(sql));
        return items.map((x) => results.get(x));
      }, { asyncCommit: true }).finally(() => {
        if (this.walCheckpoint && completions.some(writesMaskedCopy)) this.walCheckpoint.masked();
      });
    } catch (err) {
      // Not retriable as a batch: GroupCommit then runs each operation alone.
      if (items.length > 1 && isLockConflict(err)) {
        throw new BusError('STORE_LOCK_CONFLICT', `${what}: lock conflict, run again one by one`, { retriable: false, cause: err });
      }
      throw err;
    }
  }

  private exec(): SqlExecutor {
    if (this.executor) return this.executor;
    throw new StoreError(this.closed ? 'store is closed' : `store ${redactTarget(this.target)} is not initialised`);
  }
}

/** Whether a completion replaces a stored payload with its masked copy. */
function writesMaskedCopy(c: Completion): boolean {
  return c.kind === 'route' ? c.result.scrubbed !== undefined : c.outcome.kind === 'delivered' && c.outcome.scrubbed !== undefined;
}

function redactTarget(target: StoreTarget): string {
  return target.driver === 'sqlite' ? `sqlite:${target.path}` : redact(target.url);
}
