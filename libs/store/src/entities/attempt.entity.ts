import { EntitySchema } from 'typeorm';
import { col, bigintAsNumber, type Driver } from './columns';

/** A row of `attempts`: one try at a delivery. The surrogate key keeps the history of a delivery whose attempt numbers
 *  restarted after a replay. */
export interface AttemptEntity {
  id: number;
  deliveryId: string;
  number: number;
  startedAt: number;
  durationMs: number;
  ok: boolean;
  statusCode: number | null;
  errorCode: string | null;
  error: string | null;
}

export function attemptEntity(driver: Driver): EntitySchema<AttemptEntity> {
  return new EntitySchema<AttemptEntity>({
    name: 'Attempt',
    tableName: 'attempts',
    columns: {
      // 64-bit: an int4 would run out after a few days at full load. SQLite: the rowid alias, filled in when the insert
      // leaves it out (no AUTOINCREMENT and its sequence table); PostgreSQL: bigserial. Rows are only inserted by raw SQL.
      id:
        driver === 'sqlite'
          ? { name: 'id', type: 'integer', primary: true, primaryKeyConstraintName: 'pk_attempts' }
          : {
              name: 'id',
              type: 'bigint',
              primary: true,
              generated: 'increment',
              primaryKeyConstraintName: 'pk_attempts',
              transformer: bigintAsNumber,
            },
      deliveryId: col.text('delivery_id'),
      number: col.int('number'),
      startedAt: col.ms('started_at'),
      durationMs: col.int('duration_ms'),
      ok: col.bool('ok'),
      statusCode: col.int('status_code', true),
      errorCode: col.text('error_code', true),
      error: col.text('error', true),
    },
    indices: [{ name: 'ix_attempts_delivery', columns: ['deliveryId'] }],
    foreignKeys: [
      {
        name: 'fk_attempts_delivery',
        target: 'Delivery',
        columnNames: ['deliveryId'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
    ],
  });
}
