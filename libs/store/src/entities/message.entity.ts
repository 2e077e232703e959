import { EntitySchema } from 'typeorm';
import type { Hop, SourceVars } from '@junction/core';
import { col, type Driver } from './columns';

/** A row of `messages`: one message in the journal. */
export interface MessageEntity {
  id: string;
  routeId: string;
  correlationId: string;
  businessKey: string | null;
  sourceKind: string;
  sourceAddress: string;
  sourceVars: SourceVars | null;
  mode: string;
  status: string;
  headers: Record<string, string>;
  contentType: string;
  body: Buffer;
  hops: Hop[];
  failureCode: string | null;
  failureMessage: string | null;
  receivedAt: number;
  updatedAt: number;
  claimCount: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
}

export function messageEntity(driver: Driver): EntitySchema<MessageEntity> {
  return new EntitySchema<MessageEntity>({
    name: 'Message',
    tableName: 'messages',
    columns: {
      id: col.id('messages'),
      routeId: col.text('route_id'),
      correlationId: col.text('correlation_id'),
      businessKey: col.text('business_key', true),
      sourceKind: col.text('source_kind'),
      sourceAddress: col.text('source_address'),
      sourceVars: col.json('source_vars', true),
      mode: col.text('mode'),
      status: col.text('status'),
      headers: col.json('headers'),
      contentType: col.text('content_type'),
      body: col.bytes('body', driver),
      hops: col.json('hops'),
      failureCode: col.text('failure_code', true),
      failureMessage: col.text('failure_message', true),
      receivedAt: col.ms('received_at'),
      updatedAt: col.ms('updated_at'),
      claimCount: col.int('claim_count'),
      leaseOwner: col.text('lease_owner', true),
      leaseUntil: col.ms('lease_until', true),
    },
    indices: [
      // claims: status = 'received' in id order; admin filter by status
      { name: 'ix_messages_status', columns: ['status', 'id'] },
      { name: 'ix_messages_route', columns: ['routeId', 'id'] },
      { name: 'ix_messages_correlation', columns: ['correlationId'] },
      // only messages with a key: the admin filter asks for one key
      { name: 'ix_messages_business_key', columns: ['businessKey'], where: '"business_key" IS NOT NULL' },
      { name: 'ix_messages_received_at', columns: ['receivedAt'] },
    ],
  });
}
