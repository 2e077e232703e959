import type { EntitySchema } from 'typeorm';
import type { Driver } from './columns';
import { attemptEntity, type AttemptEntity } from './attempt.entity';
import { auditEntity, type AuditEntity } from './audit.entity';
import { deadLetterEntity, type DeadLetterEntity } from './dead-letter.entity';
import { deliveryEntity, type DeliveryEntity } from './delivery.entity';
import { messageEntity, type MessageEntity } from './message.entity';

export type { AttemptEntity, AuditEntity, DeadLetterEntity, DeliveryEntity, MessageEntity };
export { epochMs, epochMsOrNull, type Driver } from './columns';

/** The entity schemas of one data source. Built per driver because the binary column type differs (blob / bytea). */
export interface StoreEntities {
  message: EntitySchema<MessageEntity>;
  delivery: EntitySchema<DeliveryEntity>;
  attempt: EntitySchema<AttemptEntity>;
  deadLetter: EntitySchema<DeadLetterEntity>;
  audit: EntitySchema<AuditEntity>;
}

export function storeEntities(driver: Driver): StoreEntities {
  return {
    message: messageEntity(driver),
    delivery: deliveryEntity(driver),
    attempt: attemptEntity(driver),
    deadLetter: deadLetterEntity(driver),
    audit: auditEntity(),
  };
}
