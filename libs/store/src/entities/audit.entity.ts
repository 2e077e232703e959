import { EntitySchema } from 'typeorm';
import { col } from './columns';

/** A row of `audit_log`: one admin action (a login, a reload, a replay), who did it, from where, and how it ended. */
export interface AuditEntity {
  id: string;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  detail: Record<string, unknown>;
  remote: string | null;
}

export function auditEntity(): EntitySchema<AuditEntity> {
  return new EntitySchema<AuditEntity>({
    name: 'Audit',
    tableName: 'audit_log',
    columns: {
      id: col.id('audit_log'),
      at: col.ms('at'),
      actor: col.text('actor'),
      action: col.text('action'),
      target: col.text('target', true),
      outcome: col.text('outcome'),
      detail: col.json('detail'),
      remote: col.text('remote', true),
    },
    indices: [{ name: 'ix_audit_log_at', columns: ['at'] }],
  });
}
