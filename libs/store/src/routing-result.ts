import { BusError, newMessageId } from '@junction/core';
import { deliveryRow, insertRows, type Row } from './row-builders';
import type { Sql } from './sql-executor';
import type { StoreContext } from './store-context';
import type { RoutingResult } from './store.types';

/** completeRouting, inside its transaction. See Store.completeRouting. */
export async function applyRoutingResult(
  sql: Sql,
  ctx: StoreContext,
  messageId: string,
  result: RoutingResult,
  now: number,
): Promise<void> {
  const s = ctx.statements;
  const status =
    result.status === 'pending' && !result.deliveries.some((d) => !d.wireTap) ? 'delivered' : result.status;
  const failure = result.failure ?? null;
  const [routed] = await sql.rows<{ route_id: string; correlation_id: string }>(s.routeMessage, [
    status, JSON.stringify(result.hops), failure?.code ?? null, failure?.message ?? null, now, messageId,
    ctx.instanceId,
  ]);
  if (!routed) {
    const [state] = await sql.rows<{ status: string; lease_owner: string | null }>(s.messageState, [messageId]);
    if (!state) throw new BusError('NOT_FOUND', `message ${messageId} not found`);
    ctx.logger.warn(
      { messageId, status: state.status, leaseOwner: state.lease_owner, instanceId: ctx.instanceId },
      'store: routing result ignored: the message is no longer claimed by this instance',
    );
    return;
  }
  const deliveries: Row[] = result.deliveries.map((d) =>
    deliveryRow(d, routed.route_id, routed.correlation_id, 'pending', 0, null, now),
  );
  await insertRows(sql, s, 'deliveries', deliveries);
  if (result.scrubbed && status !== 'dead') {
    await sql.run(s.scrubMessage, [JSON.stringify(result.scrubbed.headers), result.scrubbed.body, messageId]);
  }
  if (status === 'dead') {
    const reason = failure ?? { code: 'STEP_FAILED', message: 'routing failed' };
    // The dead letter copies the stored body without bringing it into JS.
    await sql.run(s.deadLetterFromMessage, [newMessageId(), reason.code, reason.message, now, messageId]);
  }
}
