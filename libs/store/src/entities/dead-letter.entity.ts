import { EntitySchema } from 'typeorm';
import { col, type Driver } from './columns';

/** A row of `dead_letters`: what could not be routed or delivered, with a copy of the body as it was then. */
export interface DeadLetterEntity {
  id: string;
  messageId: string;
  deliveryId: string | null;
  routeId: string;
  targetId: string | null;
  reasonCode: string;
  reasonMessage: string;
  contentType: string;
  headers: Record<string, string>;
  body: Buffer;
  createdAt: number;
  replayedAt: number | null;
  replayCount: number;
}

export function deadLetterEntity(driver: Driver): EntitySchema<DeadLetterEntity> {
  return new EntitySchema<DeadLetterEntity>({
    name: 'DeadLetter',
    tableName: 'dead_letters',
    columns: {
      id: col.id('dead_letters'),
      messageId: col.text('message_id'),
      deliveryId: col.text('delivery_id', true),
      routeId: col.text('route_id'),
      targetId: col.text('target_id', true),
      reasonCode: col.text('reason_code'),
      reasonMessage: col.text('reason_message'),
      contentType: col.text('content_type'),
      headers: col.json('headers'),
      body: col.bytes('body', driver),
      createdAt: col.ms('created_at'),
      replayedAt: col.ms('replayed_at', true),
      replayCount: col.int('replay_count'),
    },
    indices: [
      { name: 'ix_dead_letters_route', columns: ['routeId', 'id'] },
      { name: 'ix_dead_letters_message', columns: ['messageId'] },
      // The purge: deleting a delivery cascades here.
      { name: 'ix_dead_letters_delivery', columns: ['deliveryId'] },
      { name: 'ix_dead_letters_replayed', columns: ['replayedAt'] },
    ],
    foreignKeys: [
      {
        name: 'fk_dead_letters_message',
        target: 'Message',
        columnNames: ['messageId'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
      {
        name: 'fk_dead_letters_delivery',
        target: 'Delivery',
        columnNames: ['deliveryId'],
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      },
    ],
  });
}
