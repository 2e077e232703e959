import { BusError, type Hop } from '@junction/core';
import { isWireTap } from './row-mappers';
import type { Sql } from './sql-executor';
import type { StoreContext } from './store-context';
import type { ReplayEdit } from './store.types';

/** replayDeadLetter, inside its transaction. See Store.replayDeadLetter. */
export async function replayDeadLetter(
  sql: Sql,
  ctx: StoreContext,
  id: string,
  edit: ReplayEdit,
  now: number,
): Promise<{ kind: 'delivery' | 'message'; id: string }> {
  const s = ctx.statements;
  const [ref] = await sql.rows<{ message_id: string; delivery_id: string | null }>(s.deadLetterRef, [id]);
  // The admin API answers these codes 404 and 409 (problemFor).
  if (!ref) throw new BusError('NOT_FOUND', `dead letter ${id} not found`);
  const body = edit.body ?? null;
  const contentType = edit.contentType ?? null;
  const headers = edit.headers ? JSON.stringify(edit.headers) : null;
  let requeued: { kind: 'delivery' | 'message'; id: string };

  if (ref.delivery_id !== null) {
    const [delivery] = await sql.rows(s.replayDelivery, [now, body, body === null, contentType, headers, now, ref.delivery_id]);
    if (!delivery) throw new BusError('CONFLICT', `delivery ${ref.delivery_id} is not dead: nothing to replay`);
    if (!isWireTap(delivery)) {
      // Delivery, then message: the lock order of recordAttempt, which settles the message under this lock.
      if (s.lockMessage) await sql.rows(s.lockMessage, [ref.message_id]);
      await sql.run(s.reopenMessage, [now, ref.message_id]);
    }
    requeued = { kind: 'delivery', id: ref.delivery_id };
  } else {
    const [message] = await sql.rows<{ status: string; hops: string }>(s.messageHops, [ref.message_id]);
    if (!message || message.status !== 'dead') {
      throw new BusError('CONFLICT', `message ${ref.message_id} is not dead: nothing to replay`);
    }
    const hops: Hop[] = [...(JSON.parse(message.hops) as Hop[]), { at: now, step: 'replay', note: `dead letter ${id}` }];
    await sql.run(s.unshareMessageBody, [ref.message_id]);
    await sql.run(s.replayMessage, [JSON.stringify(hops), body, contentType, headers, now, ref.message_id]);
    requeued = { kind: 'message', id: ref.message_id };
  }
  await sql.run(s.markReplayed, [now, id]);
  return requeued;
}
