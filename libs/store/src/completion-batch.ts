import { BusError } from '@junction/core';
import { applyAttemptOutcome } from './delivery-outcome';
import { attemptRow, deliveryRow, insertRows, type Row } from './row-builders';
import { isWireTap } from './row-mappers';
import { applyRoutingResult, deadLetterMessage, leasedDeliveries, routedStatus, sharesBody } from './routing-result';
import type { Sql } from './sql-executor';
import { WAITING_FOR_PART } from './sql-statements';
import { holdParts } from './sql-correlation';
import type { StoreContext } from './store-context';
import type { AttemptOutcome, AttemptRecord, RoutingHandOff, RoutingResult, StoredDelivery } from './store.types';

/** One outbox completion waiting for its group commit. */
export type Completion =
  | { kind: 'route'; messageId: string; result: RoutingResult; handOff?: RoutingHandOff; now: number }
  | { kind: 'attempt'; deliveryId: string; attempt: AttemptRecord; outcome: AttemptOutcome; now: number };

// PostgreSQL: one statement for the whole batch, whatever its size. unnest() of one array per column keeps the text
// fixed (pg sends a Buffer in a bytea[] as hex).
const ROUTE_MESSAGES = `UPDATE messages m SET status = v.status, hops = v.hops, failure_code = v.failure_code,
    failure_message = v.failure_message, headers = COALESCE(v.headers, m.headers), body = COALESCE(v.body, m.body),
    lease_owner = NULL, lease_until = NULL, updated_at = v.now
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::bigint[])
    AS v(id, status, hops, failure_code, failure_message, headers, body, now)
  WHERE m.id = v.id AND m.status = 'received' AND (m.lease_owner = $9 OR m.lease_owner IS NULL)
  RETURNING m.id, m.route_id, m.correlation_id`;
const MESSAGE_STATES = `SELECT id, status, lease_owner FROM messages WHERE id = ANY($1::text[])`;
const DELIVERED = `UPDATE deliveries d SET status = 'delivered', attempts = d.attempts + 1, reply = v.reply,
    last_error = NULL, headers = COALESCE(v.headers, d.headers), body = COALESCE(v.body, d.body),
    body_from_message = d.body_from_message AND v.body IS NULL, lease_owner = NULL, lease_until = NULL, updated_at = v.now
  FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::bigint[]) AS v(id, reply, headers, body, now)
  WHERE d.id = v.id AND d.status = 'pending'
  RETURNING d.id, d.message_id, d.wire_tap, d.then_id`;
const RELEASE_NEXT_PARTS = `UPDATE deliveries SET next_attempt_at = $1, updated_at = $1
  WHERE id = ANY($2::text[]) AND status = 'pending' AND next_attempt_at = ${WAITING_FOR_PART}`;
const DELIVERY_STATES = `SELECT id, status, lease_owner FROM deliveries WHERE id = ANY($1::text[])`;
// Ordered, so that batches lock the messages they settle in one order.
const LOCK_MESSAGES = `SELECT id FROM messages WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;
const SETTLE_MESSAGES = `UPDATE messages SET
    status = CASE WHEN EXISTS (SELECT 1 FROM deliveries d
      WHERE d.message_id = messages.id AND d.status = 'dead' AND NOT d.wire_tap) THEN 'dead' ELSE 'delivered' END,
    updated_at = $1
  WHERE id = ANY($2::text[]) AND status = 'pending' AND NOT EXISTS (SELECT 1 FROM deliveries d
    WHERE d.message_id = messages.id AND d.status = 'pending' AND NOT d.wire_tap)`;

type State = { id: string; status: string; lease_owner: string | null };

/**
 * A batch of completions in the caller's transaction, one result per item (a routing's handed-off deliveries, or
 * undefined). Each item means what completeRouting or recordAttempt says. Throws NOT_FOUND for an unknown id
 * (GroupCommit then runs the items again one by one, so that only that one fails).
 *
 * SQLite runs the items one after the other (its statements cost microseconds; the commit is what is shared).
 * PostgreSQL pays a round trip per statement, so routings and deliveries done are written with a fixed number of
 * statements per batch; retries and dead deliveries (rare) go one by one.
 */
export async function applyCompletions(sql: Sql, ctx: StoreContext, items: Completion[]): Promise<unknown[]> {
  const results: unknown[] = items.map(() => undefined);
  if (ctx.statements.driver !== 'postgres') {
    for (let i = 0; i < items.length; i++) results[i] = await applyOne(sql, ctx, items[i]);
    return results;
  }
  const routes: number[] = [];
  const delivered: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item.kind === 'route') routes.push(i);
    else if (item.outcome.kind === 'delivered') delivered.push(i);
    else results[i] = await applyOne(sql, ctx, item);
  }
  if (routes.length > 0) await routeAll(sql, ctx, routes.map((i) => items[i] as RouteItem), routes, results);
  if (delivered.length > 0) await deliveredAll(sql, ctx, delivered.map((i) => items[i] as AttemptItem));
  return results;
}

type RouteItem = Extract<Completion, { kind: 'route' }>;
type AttemptItem = Extract<Completion, { kind: 'attempt' }>;

function applyOne(sql: Sql, ctx: StoreContext, item: Completion): Promise<unknown> {
  return item.kind === 'route'
    ? applyRoutingResult(sql, ctx, item.messageId, item.result, item.handOff, item.now)
    : applyAttemptOutcome(sql, ctx, item.deliveryId, item.attempt, item.outcome, item.now);
}

async function routeAll(sql: Sql, ctx: StoreContext, items: RouteItem[], at: number[], results: unknown[]): Promise<void> {
  const cols: unknown[][] = [[], [], [], [], [], [], [], []];
  for (const { messageId, result, now } of items) {
    const status = routedStatus(result);
    const scrubbed = status === 'dead' ? undefined : result.scrubbed;
    const values = [
      messageId, status, JSON.stringify(result.hops), result.failure?.code ?? null, result.failure?.message ?? null,
      scrubbed ? JSON.stringify(scrubbed.headers) : null, scrubbed?.body ?? null, now,
    ];
    values.forEach((v, c) => cols[c].push(v));
  }
  const routed = await sql.rows<{ id: string; route_id: string; correlation_id: string }>(ROUTE_MESSAGES, [
    ...cols, ctx.instanceId,
  ]);
  const byId = new Map(routed.map((r) => [r.id, r]));
  await reportMissed(sql, ctx, MESSAGE_STATES, items.map((x) => x.messageId).filter((id) => !byId.has(id)), 'message');

  const rows: Row[] = [];
  for (let k = 0; k < items.length; k++) {
    const { messageId, result, handOff, now } = items[k];
    const r = byId.get(messageId);
    if (!r) {
      results[at[k]] = [];
      continue;
    }
    const leased = leasedDeliveries(ctx, result, handOff, r.route_id, r.correlation_id, now);
    result.deliveries.forEach((d, i) => {
      const lease = i < leased.length ? { owner: ctx.instanceId, until: leased[i].leaseUntil } : null;
      rows.push(deliveryRow(d, r.route_id, r.correlation_id, 'pending', 0, null, now, lease, sharesBody(result, d.body)));
    });
    results[at[k]] = leased satisfies StoredDelivery[];
  }
  await insertRows(sql, ctx.statements, 'deliveries', rows);
  // Parts of aggregate steps: all of the batch's together, written in group order.
  const held = items.filter((x) => byId.has(x.messageId) && x.result.held?.length);
  if (held.length > 0) await holdParts(sql, 'postgres', held.flatMap((x) => x.result.held!), Math.max(...held.map((x) => x.now)));
  for (const { messageId, result, now } of items) {
    if (byId.has(messageId) && routedStatus(result) === 'dead') await deadLetterMessage(sql, ctx, messageId, result, now);
  }
}

async function deliveredAll(sql: Sql, ctx: StoreContext, items: AttemptItem[]): Promise<void> {
  const cols: unknown[][] = [[], [], [], [], []];
  for (const { deliveryId, outcome, now } of items) {
    const done = outcome as Extract<AttemptOutcome, { kind: 'delivered' }>;
    const values = [
      deliveryId, done.reply ?? null, done.scrubbed ? JSON.stringify(done.scrubbed.headers) : null,
      done.scrubbed?.body ?? null, now,
    ];
    values.forEach((v, c) => cols[c].push(v));
  }
  const updated = await sql.rows<Record<string, unknown>>(DELIVERED, cols);
  const done = new Set(updated.map((r) => r.id as string));
  await reportMissed(sql, ctx, DELIVERY_STATES, items.map((x) => x.deliveryId).filter((id) => !done.has(id)), 'delivery');
  await insertRows(sql, ctx.statements, 'attempts', items.map((x) => attemptRow(x.deliveryId, x.attempt)));
  // Ordered splits: the next parts of those delivered are due now (see NewDelivery.thenId).
  const next = updated.map((r) => r.then_id).filter((id): id is string => typeof id === 'string');
  if (next.length > 0) await sql.run(RELEASE_NEXT_PARTS, [Math.max(...items.map((x) => x.now)), next]);

  // Settled under the messages' locks, as in applyAttemptOutcome (lock order: deliveries, then messages).
  const messageIds = [...new Set(updated.filter((r) => !isWireTap(r)).map((r) => r.message_id as string))].sort();
  if (messageIds.length === 0) return;
  await sql.rows(LOCK_MESSAGES, [messageIds]);
  await sql.run(SETTLE_MESSAGES, [Math.max(...items.map((x) => x.now)), messageIds]);
}

/** Ids a batch statement did not change: NOT_FOUND when one does not exist, else the warning of the one-item path. */
async function reportMissed(sql: Sql, ctx: StoreContext, query: string, ids: string[], what: 'message' | 'delivery') {
  if (ids.length === 0) return;
  const states = await sql.rows<State>(query, [ids]);
  const missing = ids.find((id) => !states.some((s) => s.id === id));
  if (missing) throw new BusError('NOT_FOUND', `${what} ${missing} not found`);
  for (const s of states) {
    ctx.logger.warn(
      { [what === 'message' ? 'messageId' : 'deliveryId']: s.id, status: s.status, leaseOwner: s.lease_owner, instanceId: ctx.instanceId },
      what === 'message'
        ? 'store: routing result ignored: the message is no longer claimed by this instance'
        : 'store: attempt recorded, outcome ignored: the delivery is no longer pending or leased by another instance',
    );
  }
}
