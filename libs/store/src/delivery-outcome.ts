import { BusError, newMessageId } from '@junction/core';
import { attemptRow, insertRows } from './row-builders';
import { isWireTap } from './row-mappers';
import type { Sql } from './sql-executor';
import type { StoreContext } from './store-context';
import type { AttemptOutcome, AttemptRecord } from './store.types';

/** recordAttempt, inside its transaction. See Store.recordAttempt. */
export async function applyAttemptOutcome(
  sql: Sql,
  ctx: StoreContext,
  deliveryId: string,
  attempt: AttemptRecord,
  outcome: AttemptOutcome,
  now: number,
): Promise<void> {
  const s = ctx.statements;
  const error = attempt.error ?? null;
  // 'delivered' is applied whoever holds the lease now: the target has the message. 'retry' and 'dead' only by the
  // holder, so that an instance that lost its lease cannot undo the work of the one that took it over.
  // 'delivered' writes the masked copy (when given) in the same statement.
  const scrubbed = outcome.kind === 'delivered' ? outcome.scrubbed : undefined;
  const [updated] =
    outcome.kind === 'delivered'
      ? await sql.rows(s.deliveryDelivered, [
          outcome.reply ?? null, scrubbed ? JSON.stringify(scrubbed.headers) : null, scrubbed?.body ?? null,
          scrubbed === undefined, now, deliveryId,
        ])
      : outcome.kind === 'retry'
        ? await sql.rows(s.deliveryRetry, [outcome.nextAttemptAt, error, now, deliveryId, ctx.instanceId])
        : await sql.rows(s.deliveryDead, [outcome.failure.message, now, deliveryId, ctx.instanceId]);

  if (!updated) {
    const [state] = await sql.rows<{ status: string; lease_owner: string | null }>(s.deliveryState, [deliveryId]);
    if (!state) throw new BusError('NOT_FOUND', `delivery ${deliveryId} not found`);
    await insertRows(sql, s, 'attempts', [attemptRow(deliveryId, attempt)]);
    ctx.logger.warn(
      { deliveryId, outcome: outcome.kind, status: state.status, leaseOwner: state.lease_owner, instanceId: ctx.instanceId },
      'store: attempt recorded, outcome ignored: the delivery is no longer pending or leased by another instance',
    );
    return;
  }

  await insertRows(sql, s, 'attempts', [attemptRow(deliveryId, attempt)]);
  if (outcome.kind === 'retry') return;
  // An ordered split's next part to this target goes now that this one is done (see NewDelivery.thenId).
  if (updated.then_id) await sql.run(s.releaseNextPart, [now, now, updated.then_id]);
  const messageId = updated.message_id as string;
  if (outcome.kind === 'dead') {
    const f = outcome.failure;
    await sql.run(s.deadLetterFromDelivery, [newMessageId(), f.code, f.message, now, deliveryId]);
  }
  if (isWireTap(updated)) return;
  // PostgreSQL: two deliveries of one message finishing at once must not both see the other one still pending (and
  // leave the message pending for ever): settling under the message lock orders them. Lock order: delivery, message.
  if (s.lockMessage) await sql.rows(s.lockMessage, [messageId]);
  if (outcome.kind === 'dead') {
    await sql.run(s.messageFailure, [outcome.failure.code, outcome.failure.message, now, messageId]);
  }
  await sql.run(s.settleMessage, [now, messageId]);
}
