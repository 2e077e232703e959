import { newMessageId } from '@junction/core';
import { LessThan, type FindOptionsWhere } from 'typeorm';
import type { AuditEntity, StoreEntities } from './entities';
import type { Sql } from './sql-executor';
import type { AuditEntry, AuditFilter, NewAuditEntry } from './store.types';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** Appends one entry. Ids are UUIDv7, so id order is time order and paging by `before` works as for messages. */
export async function insertAudit(sql: Sql, entities: StoreEntities, entry: NewAuditEntry, now: number): Promise<AuditEntry> {
  const row: AuditEntry = {
    id: newMessageId(),
    at: now,
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    outcome: entry.outcome,
    detail: entry.detail ?? {},
    remote: entry.remote ?? null,
  };
  // The entity's JSON column takes the object as it is; typeorm's insert type cannot see through the transformer.
  await sql.manager.getRepository(entities.audit).insert(row as never);
  return row;
}

export async function listAudit(sql: Sql, entities: StoreEntities, f: AuditFilter): Promise<AuditEntry[]> {
  const where: FindOptionsWhere<AuditEntity> = {};
  if (f.before !== undefined) where.id = LessThan(f.before);
  if (f.action !== undefined) where.action = f.action;
  const take = Math.min(Math.max(Math.trunc(f.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
  const rows = await sql.manager.getRepository(entities.audit).find({ where, order: { id: 'DESC' }, take });
  return rows.map((r) => ({ ...r, outcome: r.outcome as AuditEntry['outcome'] }));
}
