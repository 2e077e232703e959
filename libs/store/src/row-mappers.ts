import type { AttemptEntity, DeadLetterEntity, DeliveryEntity, MessageEntity } from './entities';
import { epochMs } from './entities';
import type {
  AttemptRecord,
  DeadLetterDetail,
  DeadLetterSummary,
  DeliveryDetail,
  DeliveryStatus,
  MessageStatus,
  MessageSummary,
  StoredDelivery,
  StoredMessage,
} from './store.types';

// Raw rows (claims) come straight from the driver: bigints may be strings (pg), booleans 0/1 (SQLite), JSON is text.
type RawRow = Record<string, unknown>;

const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const intOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const bool = (v: unknown): boolean => v === true || v === 1;
const json = <T>(v: unknown): T => JSON.parse(v as string) as T;

export function storedMessage(r: RawRow): StoredMessage {
  return {
    id: str(r.id),
    routeId: str(r.route_id),
    correlationId: str(r.correlation_id),
    businessKey: strOrNull(r.business_key),
    sourceKind: str(r.source_kind),
    sourceAddress: str(r.source_address),
    sourceVars: r.source_vars === null || r.source_vars === undefined ? null : json(r.source_vars),
    mode: r.mode as StoredMessage['mode'],
    status: r.status as MessageStatus,
    headers: json(r.headers),
    contentType: str(r.content_type),
    body: r.body as Buffer,
    hops: json(r.hops),
    receivedAt: epochMs(r.received_at),
    claims: Number(r.claim_count),
    leaseUntil: epochMs(r.lease_until),
  };
}

export function storedDelivery(r: RawRow): StoredDelivery {
  return {
    id: str(r.id),
    messageId: str(r.message_id),
    routeId: str(r.route_id),
    correlationId: str(r.correlation_id),
    targetId: str(r.target_id),
    targetDescription: str(r.target_description),
    partIndex: intOrNull(r.part_index),
    wireTap: bool(r.wire_tap),
    headers: json(r.headers),
    contentType: str(r.content_type),
    body: r.body as Buffer,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    nextAttemptAt: epochMs(r.next_attempt_at),
    createdAt: epochMs(r.created_at),
    leaseUntil: epochMs(r.lease_until),
    claims: Number(r.claim_count),
    address: strOrNull(r.address),
    partId: strOrNull(r.part_id),
  };
}

/** Whether the row of a RETURNING wire_tap is a wire tap. */
export const isWireTap = (r: RawRow): boolean => bool(r.wire_tap);

// Entities (admin reads) went through the column transformers already.

export function messageSummary(e: MessageEntity): MessageSummary {
  return {
    id: e.id,
    routeId: e.routeId,
    correlationId: e.correlationId,
    businessKey: e.businessKey,
    sourceKind: e.sourceKind,
    sourceAddress: e.sourceAddress,
    mode: e.mode as MessageSummary['mode'],
    status: e.status as MessageStatus,
    contentType: e.contentType,
    failure: e.failureCode === null ? null : { code: e.failureCode, message: e.failureMessage ?? '' },
    receivedAt: e.receivedAt,
    updatedAt: e.updatedAt,
  };
}

export function attemptRecord(e: AttemptEntity): AttemptRecord {
  return {
    number: e.number,
    startedAt: e.startedAt,
    durationMs: e.durationMs,
    ok: e.ok,
    statusCode: e.statusCode,
    errorCode: e.errorCode,
    error: e.error,
  };
}

/** `messageBody`: the body of the delivery's message as stored, which a delivery sharing it shows. */
export function deliveryDetail(e: DeliveryEntity, attempts: AttemptRecord[], messageBody: Buffer): DeliveryDetail {
  return {
    id: e.id,
    messageId: e.messageId,
    targetId: e.targetId,
    targetDescription: e.targetDescription,
    partIndex: e.partIndex,
    wireTap: e.wireTap,
    status: e.status as DeliveryStatus,
    headers: e.headers,
    contentType: e.contentType,
    body: e.bodyFromMessage ? messageBody : e.body,
    address: e.address,
    partId: e.partId,
    thenId: e.thenId,
    attempts,
    maxAttempts: e.maxAttempts,
    nextAttemptAt: e.nextAttemptAt,
    reply: e.reply,
    lastError: e.lastError,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

export function deadLetterSummary(e: DeadLetterEntity): DeadLetterSummary {
  return {
    id: e.id,
    messageId: e.messageId,
    deliveryId: e.deliveryId,
    routeId: e.routeId,
    targetId: e.targetId,
    reason: { code: e.reasonCode, message: e.reasonMessage },
    contentType: e.contentType,
    createdAt: e.createdAt,
    replayedAt: e.replayedAt,
    replayCount: e.replayCount,
  };
}

export function deadLetterDetail(e: DeadLetterEntity): DeadLetterDetail {
  return { ...deadLetterSummary(e), headers: e.headers, body: e.body };
}
