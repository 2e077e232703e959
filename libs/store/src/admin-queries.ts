import { And, In, IsNull, LessThan, MoreThanOrEqual, Not, type FindOptionsWhere } from 'typeorm';
import type { DeadLetterEntity, MessageEntity, StoreEntities } from './entities';
import {
  attemptRecord,
  deadLetterDetail,
  deadLetterSummary,
  deliveryDetail,
  messageSummary,
} from './row-mappers';
import type { Sql } from './sql-executor';
import { partView, partsTree, rootOfPartId } from './split-parts';
import type { SqlStatements } from './sql-statements';
import {
  MESSAGE_STATUSES,
  type AttemptRecord,
  type DeadLetterDetail,
  type DeadLetterFilter,
  type DeadLetterSummary,
  type MessageDetail,
  type MessageFilter,
  type MessageStatus,
  type MessageSummary,
  type StoreStats,
  type TargetQueue,
} from './store.types';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

// Lists never load bodies, headers or hops.
const MESSAGE_SUMMARY = {
  id: true, routeId: true, correlationId: true, businessKey: true, sourceKind: true, sourceAddress: true, mode: true,
  status: true, contentType: true, failureCode: true, failureMessage: true, receivedAt: true, updatedAt: true,
} as const;
const DEAD_LETTER_SUMMARY = {
  id: true, messageId: true, deliveryId: true, routeId: true, targetId: true, reasonCode: true, reasonMessage: true,
  contentType: true, createdAt: true, replayedAt: true, replayCount: true,
} as const;

function limitOf(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_LIMIT);
}

/** The admin reads: through the entities (filters as find options), as they are off the hot path. */
export class AdminQueries {
  constructor(
    private readonly entities: StoreEntities,
    private readonly statements: SqlStatements,
  ) {}

  async listMessages(sql: Sql, f: MessageFilter): Promise<MessageSummary[]> {
    const where: FindOptionsWhere<MessageEntity> = {};
    if (f.routeId !== undefined) where.routeId = f.routeId;
    if (f.status !== undefined) where.status = f.status;
    if (f.correlationId !== undefined) where.correlationId = f.correlationId;
    if (f.businessKey !== undefined) where.businessKey = f.businessKey;
    if (f.since !== undefined && f.until !== undefined) {
      where.receivedAt = And(MoreThanOrEqual(f.since), LessThan(f.until));
    } else if (f.since !== undefined) {
      where.receivedAt = MoreThanOrEqual(f.since);
    } else if (f.until !== undefined) {
      where.receivedAt = LessThan(f.until);
    }
    if (f.before !== undefined) where.id = LessThan(f.before);
    const rows = await sql.manager.getRepository(this.entities.message).find({
      select: MESSAGE_SUMMARY,
      where,
      order: { id: 'DESC' },
      take: limitOf(f.limit),
    });
    return rows.map(messageSummary);
  }

  async getMessage(sql: Sql, id: string): Promise<MessageDetail | null> {
    const m = sql.manager;
    const message = await m.getRepository(this.entities.message).findOneBy({ id });
    if (!message) {
      // A split part is read by its own id through the message it belongs to (see split-parts.ts).
      const rootId = rootOfPartId(id);
      const root = rootId === undefined ? null : await this.getMessage(sql, rootId);
      return root && partView(root, id);
    }
    const deliveries = await m.getRepository(this.entities.delivery).find({ where: { messageId: id } });
    const attempts = deliveries.length
      ? await m.getRepository(this.entities.attempt).find({
          where: { deliveryId: In(deliveries.map((d) => d.id)) },
          order: { id: 'ASC' },
        })
      : [];
    const deadLetters = await m.getRepository(this.entities.deadLetter).find({
      select: DEAD_LETTER_SUMMARY,
      where: { messageId: id },
      order: { id: 'ASC' },
    });
    const byDelivery = new Map<string, AttemptRecord[]>();
    for (const a of attempts) {
      const list = byDelivery.get(a.deliveryId) ?? [];
      list.push(attemptRecord(a));
      byDelivery.set(a.deliveryId, list);
    }
    // Part order, then target; in JS because the drivers sort NULL differently.
    deliveries.sort(
      (a, b) => (a.partIndex ?? -1) - (b.partIndex ?? -1) || a.targetId.localeCompare(b.targetId) || a.id.localeCompare(b.id),
    );
    const details = deliveries.map((d) => deliveryDetail(d, byDelivery.get(d.id) ?? [], message.body));
    const parts = partsTree(id, details);
    return {
      ...messageSummary(message),
      sourceVars: message.sourceVars,
      headers: message.headers,
      body: message.body,
      hops: message.hops,
      deliveries: details,
      deadLetters: deadLetters.map(deadLetterSummary),
      ...(parts ? { parts } : {}),
    };
  }

  async listDeadLetters(sql: Sql, f: DeadLetterFilter): Promise<DeadLetterSummary[]> {
    const where: FindOptionsWhere<DeadLetterEntity> = {};
    if (f.routeId !== undefined) where.routeId = f.routeId;
    if (f.replayed !== undefined) where.replayedAt = f.replayed ? Not(IsNull()) : IsNull();
    if (f.before !== undefined) where.id = LessThan(f.before);
    const rows = await sql.manager.getRepository(this.entities.deadLetter).find({
      select: DEAD_LETTER_SUMMARY,
      where,
      order: { id: 'DESC' },
      take: limitOf(f.limit),
    });
    return rows.map(deadLetterSummary);
  }

  async getDeadLetter(sql: Sql, id: string): Promise<DeadLetterDetail | null> {
    const row = await sql.manager.getRepository(this.entities.deadLetter).findOneBy({ id });
    return row ? deadLetterDetail(row) : null;
  }

  async stats(sql: Sql): Promise<StoreStats> {
    const messages = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
    for (const r of await sql.rows<{ status: MessageStatus; n: unknown }>(this.statements.countMessages)) {
      messages[r.status] = Number(r.n);
    }
    const [pending] = await sql.rows<{ n: unknown }>(this.statements.countPendingDeliveries);
    const [dead] = await sql.rows<{ n: unknown }>(this.statements.countDeadLetters);
    return { messages, pendingDeliveries: Number(pending.n), deadLetters: Number(dead.n) };
  }

  async pendingByTarget(sql: Sql): Promise<TargetQueue[]> {
    const rows = await sql.rows<{ route_id: string; target_id: string; n: unknown }>(this.statements.countPendingByTarget);
    return rows.map((r) => ({ routeId: r.route_id, targetId: r.target_id, pending: Number(r.n) }));
  }
}
