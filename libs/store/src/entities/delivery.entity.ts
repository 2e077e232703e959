import { EntitySchema } from 'typeorm';
import { col, type Driver } from './columns';

/** A row of `deliveries`: the outbox. Route and correlation ids are copied from the message so that a claim needs no
 *  join. */
export interface DeliveryEntity {
  id: string;
  messageId: string;
  routeId: string;
  correlationId: string;
  targetId: string;
  targetDescription: string;
  partIndex: number | null;
  wireTap: boolean;
  status: string;
  headers: Record<string, string>;
  contentType: string;
  /** Empty when `bodyFromMessage`: the delivery sends its message's stored body. */
  body: Buffer;
  bodyFromMessage: boolean;
  address: string | null;
  /** The split part this delivery carries (`<message id>.<index>`); null when the message was not split. */
  partId: string | null;
  /** The delivery of the next part to the same target of an ordered split, which waits for this one. */
  thenId: string | null;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** Claims since the last recorded attempt (see StoredDelivery.claims). */
  claimCount: number;
  reply: string | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export function deliveryEntity(driver: Driver): EntitySchema<DeliveryEntity> {
  return new EntitySchema<DeliveryEntity>({
    name: 'Delivery',
    tableName: 'deliveries',
    columns: {
      id: col.id('deliveries'),
      messageId: col.text('message_id'),
      routeId: col.text('route_id'),
      correlationId: col.text('correlation_id'),
      targetId: col.text('target_id'),
      targetDescription: col.text('target_description'),
      partIndex: col.int('part_index', true),
      wireTap: col.bool('wire_tap'),
      status: col.text('status'),
      headers: col.json('headers'),
      contentType: col.text('content_type'),
      body: col.bytes('body', driver),
      bodyFromMessage: { name: 'body_from_message', type: 'boolean', default: false },
      address: col.text('address', true),
      partId: col.text('part_id', true),
      thenId: col.text('then_id', true),
      attempts: col.int('attempts'),
      maxAttempts: col.int('max_attempts'),
      nextAttemptAt: col.ms('next_attempt_at'),
      leaseOwner: col.text('lease_owner', true),
      leaseUntil: col.ms('lease_until', true),
      claimCount: { ...col.int('claim_count'), default: 0 },
      reply: col.text('reply', true),
      lastError: col.text('last_error', true),
      createdAt: col.ms('created_at'),
      updatedAt: col.ms('updated_at'),
    },
    indices: [
      // claims and counts of pending deliveries. SQLite: only those, in the order a claim takes them; PostgreSQL: whole
      // (see the PartialIndexes migration)
      driver === 'sqlite'
        ? { name: 'ix_deliveries_due', columns: ['nextAttemptAt', 'id'], where: `"status" = 'pending'` }
        : { name: 'ix_deliveries_claim', columns: ['status', 'nextAttemptAt'] },
      { name: 'ix_deliveries_message', columns: ['messageId'] },
    ],
    foreignKeys: [
      {
        name: 'fk_deliveries_message',
        target: 'Message',
        columnNames: ['messageId'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
    ],
  });
}
