import { BusError, newMessageId } from '@junction/core';
import { deliveryRow, insertRows, type Row } from './row-builders';
import { holdParts } from './sql-correlation';
import type { Sql } from './sql-executor';
import type { StoreContext } from './store-context';
import type { RoutingHandOff, RoutingResult, StoredDelivery } from './store.types';

/** completeRouting, inside its transaction. See Store.completeRouting. */
export async function applyRoutingResult(
  sql: Sql,
  ctx: StoreContext,
  messageId: string,
  result: RoutingResult,
  handOff: RoutingHandOff | undefined,
  now: number,
): Promise<StoredDelivery[]> {
  const s = ctx.statements;
  const status = routedStatus(result);
  const failure = result.failure ?? null;
  // A dead message keeps its payload: it is what a replay routes again.
  const scrubbed = status === 'dead' ? undefined : result.scrubbed;
  const [routed] = await sql.rows<{ route_id: string; correlation_id: string }>(s.routeMessage, [
    status, JSON.stringify(result.hops), failure?.code ?? null, failure?.message ?? null,
    scrubbed ? JSON.stringify(scrubbed.headers) : null, scrubbed?.body ?? null, now, messageId, ctx.instanceId,
  ]);
  if (!routed) {
    const [state] = await sql.rows<{ status: string; lease_owner: string | null }>(s.messageState, [messageId]);
    if (!state) throw new BusError('NOT_FOUND', `message ${messageId} not found`);
    ctx.logger.warn(
      { messageId, status: state.status, leaseOwner: state.lease_owner, instanceId: ctx.instanceId },
      'store: routing result ignored: the message is no longer claimed by this instance',
    );
    return [];
  }
  const leased = leasedDeliveries(ctx, result, handOff, routed.route_id, routed.correlation_id, now);
  const deliveries: Row[] = result.deliveries.map((d, i) => {
    const lease = i < leased.length ? { owner: ctx.instanceId, until: leased[i].leaseUntil } : null;
    return deliveryRow(d, routed.route_id, routed.correlation_id, 'pending', 0, null, now, lease, sharesBody(result, d.body));
  });
  await insertRows(sql, s, 'deliveries', deliveries);
  if (result.held?.length) await holdParts(sql, s.driver, result.held, now);
  if (status === 'dead') await deadLetterMessage(sql, ctx, messageId, result, now);
  return leased;
}

/** Whether a delivery of a routed message can share the message's stored body: the same bytes, and a body the
 *  routing leaves as it is (a masked copy replaces it; a dead message keeps its own). */
export function sharesBody(result: RoutingResult, body: Buffer): boolean {
  const replaced = routedStatus(result) !== 'dead' && result.scrubbed !== undefined;
  return !replaced && result.messageBody !== undefined && body.equals(result.messageBody);
}

/** The status a routing result is stored with: 'pending' without a non-wire-tap delivery is 'delivered'. */
export function routedStatus(result: RoutingResult): RoutingResult['status'] {
  return result.status === 'pending' && !result.deliveries.some((d) => !d.wireTap) ? 'delivered' : result.status;
}

export async function deadLetterMessage(
  sql: Sql,
  ctx: StoreContext,
  messageId: string,
  result: RoutingResult,
  now: number,
): Promise<void> {
  const reason = result.failure ?? { code: 'STEP_FAILED', message: 'routing failed' };
  // The dead letter copies the stored body without bringing it into JS.
  await sql.run(ctx.statements.deadLetterFromMessage, [newMessageId(), reason.code, reason.message, now, messageId]);
}

/** The deliveries of a routed message that `handOff` asks for, as claimed by this instance (see RoutingHandOff). */
export function leasedDeliveries(
  ctx: StoreContext,
  result: RoutingResult,
  handOff: RoutingHandOff | undefined,
  routeId: string,
  correlationId: string,
  now: number,
): StoredDelivery[] {
  const count = Math.min(result.deliveries.length, Math.max(0, Math.trunc(handOff?.count ?? 0)));
  const leaseUntil = now + Math.round(handOff?.leaseMs ?? 0);
  return result.deliveries.slice(0, count).map((d) => ({
    id: d.id,
    messageId: d.messageId,
    routeId,
    correlationId,
    targetId: d.targetId,
    targetDescription: d.targetDescription,
    partIndex: d.partIndex,
    wireTap: d.wireTap,
    headers: d.headers,
    contentType: d.contentType,
    body: d.body,
    attempts: 0,
    maxAttempts: d.maxAttempts,
    nextAttemptAt: now,
    createdAt: now,
    leaseUntil,
    claims: 1,
    address: d.address ?? null,
    partId: d.partId ?? null,
  }));
}
