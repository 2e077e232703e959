import {
  acceptsContentType,
  dispatch,
  jsonReply,
  reference,
  type SandboxReply,
  type SandboxRequest,
  type SandboxSystem,
} from './sandbox.http';

/** A CRM customer, as `GET /crm/customers/:id` returns it. */
export interface CrmCustomer {
  readonly id: string;
  readonly name: string;
  readonly tier: 'gold' | 'silver';
  readonly email: string;
}

/** The customers the simulated CRM knows; the demo's sample orders use these ids. Any other id is a 404. */
export const CRM_CUSTOMERS: readonly CrmCustomer[] = [
  { id: 'C-1001', name: 'Ada Lovelace', tier: 'gold', email: 'ada.lovelace@example.com' },
  { id: 'C-1002', name: 'Grace Hopper', tier: 'silver', email: 'grace.hopper@example.com' },
  { id: 'C-1003', name: 'Alan Turing', tier: 'gold', email: 'alan.turing@example.com' },
  { id: 'C-1004', name: 'Katherine Johnson', tier: 'silver', email: 'katherine.johnson@example.com' },
  { id: 'C-1005', name: 'Edsger Dijkstra', tier: 'silver', email: 'edsger.dijkstra@example.com' },
  { id: 'C-1006', name: 'Barbara Liskov', tier: 'gold', email: 'barbara.liskov@example.com' },
];

type Json = Record<string, unknown>;

/** The CRM, with what it counts beyond the sandbox's recorder. */
export interface CrmSystem extends SandboxSystem {
  /** Order events the CRM accepted at `POST /crm/order-events` (202) since it started. */
  orderEventsReceived(): number;
  /** Of those, the ones whose `source` field was `source` (the warehouse's carry `warehouse`). */
  orderEventsFrom(source: string): number;
  /** Service cases opened at `POST /crm/cases` (201) since it started. */
  casesOpened(): number;
  /** Stock levels accepted at `POST /crm/stock-levels` (202) since it started, and the latest per SKU. */
  stockLevelsReceived(): number;
  stockLevel(sku: string): Json | undefined;
}

/**
 * The CRM: a REST/JSON API.
 * - `POST /crm/orders`: a JSON object with non-empty string `orderId` and `customerId` (other fields are kept as
 *   sent) -> 201 `{ crmId, orderId, receivedAt }`. Posting the same `orderId` again is idempotent: 200 with the first
 *   `crmId` and `duplicate: true`, as a CRM deduplicating on the external id would.
 * - `GET /crm/customers/:id` -> 200 `{ id, name, tier, email }`, 404 for an unknown id.
 * - `POST /crm/customers/lookup` with `{ customerId }` (or `{ id }`) in a JSON body -> the same answers as the GET.
 * - `POST /crm/leads`: a JSON object with string `name` and an `email` containing `@` -> 201 `{ leadId, receivedAt }`.
 * - `POST /crm/order-events`: an order event (the ERP's OrderAccepted, OrderShipped... as the bus delivers them), a
 *   JSON object with non-empty string `event` and `orderId` (other fields are kept as sent) -> 202 `{ received: true }`.
 *   Every event is taken, a repeated one too: the CRM counts them (`orderEventsReceived`, and by their optional
 *   string field `source`) and keeps no other state.
 * - `POST /crm/cases`: a service case (a device alert, as the bus raises them), a JSON object with a non-empty string
 *   `subject` (other fields are kept as sent) -> 201 `{ caseId, receivedAt }`. Every case is a new one.
 * - `POST /crm/stock-levels`: a warehouse's stock level of one SKU, a JSON object with a non-empty string `sku` and a
 *   whole number `onHand` (other fields are kept as sent) -> 202 `{ received: true }`; the latest per SKU is kept.
 * Unparseable JSON is a 400, a non-JSON content type a 415, missing fields a 422; errors are `{ error, status }`.
 */
export function createCrmSystem(now: () => Date = () => new Date()): CrmSystem {
  const orders = new Map<string, string>();
  let orderSeq = 0;
  let leadSeq = 0;
  let orderEvents = 0;
  const orderEventsBySource = new Map<string, number>();
  let caseSeq = 0;
  let stockLevels = 0;
  const stockBySku = new Map<string, Json>();

  const error = (status: number, reason: string): SandboxReply => jsonReply(status, { error: reason, status });

  const readObject = (req: SandboxRequest): { ok: true; value: Json } | { ok: false; reply: SandboxReply } => {
    if (!acceptsContentType(req, 'json')) {
      return { ok: false, reply: error(415, `expected application/json, got ${req.headers['content-type']}`) };
    }
    let value: unknown;
    try {
      value = JSON.parse(req.body);
    } catch (err) {
      return { ok: false, reply: error(400, `body is not JSON: ${(err as Error).message}`) };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { ok: false, reply: error(422, 'expected a JSON object') };
    }
    return { ok: true, value: value as Json };
  };

  const missing = (body: Json, fields: readonly string[]): string[] =>
    fields.filter((f) => typeof body[f] !== 'string' || (body[f] as string).trim() === '');

  const operations = [
    {
      method: 'POST',
      path: /^\/crm\/orders\/?$/,
      handle(req: SandboxRequest): SandboxReply {
        const read = readObject(req);
        if (!read.ok) return read.reply;
        const order = read.value;
        const absent = missing(order, ['orderId', 'customerId']);
        if (absent.length > 0) return error(422, `missing or empty: ${absent.join(', ')}`);
        const orderId = order.orderId as string;
        const known = orders.get(orderId);
        if (known !== undefined) {
          return jsonReply(200, { crmId: known, orderId, receivedAt: now().toISOString(), duplicate: true });
        }
        const crmId = reference('CRM', ++orderSeq);
        orders.set(orderId, crmId);
        return jsonReply(201, { crmId, orderId, receivedAt: now().toISOString() }, { location: `/crm/orders/${crmId}` });
      },
    },
    {
      method: 'GET',
      path: /^\/crm\/customers\/(?<id>[^/]+)\/?$/,
      handle(_req: SandboxRequest, params: Readonly<Record<string, string>>): SandboxReply {
        const id = decodeURIComponent(params.id ?? '');
        const customer = CRM_CUSTOMERS.find((c) => c.id === id);
        return customer ? jsonReply(200, customer) : error(404, `no customer ${id}`);
      },
    },
    {
      // Lookup by body, for callers that cannot put the id in the URL (the bus's enricher sends the message as is).
      method: 'POST',
      path: /^\/crm\/customers\/lookup\/?$/,
      handle(req: SandboxRequest): SandboxReply {
        const read = readObject(req);
        if (!read.ok) return read.reply;
        const id = read.value.customerId ?? read.value.id;
        if (typeof id !== 'string' || id === '') return error(422, 'missing or empty: customerId');
        const customer = CRM_CUSTOMERS.find((c) => c.id === id);
        return customer ? jsonReply(200, customer) : error(404, `no customer ${id}`);
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/leads\/?$/,
      handle(req: SandboxRequest): SandboxReply {
        const read = readObject(req);
        if (!read.ok) return read.reply;
        const lead = read.value;
        const absent = missing(lead, ['name', 'email']);
        if (absent.length > 0) return error(422, `missing or empty: ${absent.join(', ')}`);
        if (!(lead.email as string).includes('@')) return error(422, `not an email address: ${String(lead.email)}`);
        return jsonReply(201, { leadId: reference('LEAD', ++leadSeq), receivedAt: now().toISOString() });
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/order-events\/?$/,
      handle(req: SandboxRequest): SandboxReply {
        const read = readObject(req);
        if (!read.ok) return read.reply;
        const absent = missing(read.value, ['event', 'orderId']);
        if (absent.length > 0) return error(422, `missing or empty: ${absent.join(', ')}`);
        orderEvents++;
        const source = read.value.source;
        if (typeof source === 'string') orderEventsBySource.set(source, (orderEventsBySource.get(source) ?? 0) + 1);
        return jsonReply(202, { received: true });
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/cases\/?$/,
      handle(req: SandboxRequest): SandboxReply {
        const read = readObject(req);
        if (!read.ok) return read.reply;
        const absent = missing(read.value, ['subject']);
        if (absent.length > 0) return error(422, `missing or empty: ${absent.join(', ')}`);
        const caseId = reference('CASE', ++caseSeq);
        return jsonReply(201, { caseId, receivedAt: now().toISOString() }, { location: `/crm/cases/${caseId}` });
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/stock-levels\/?$/,
      handle(req: SandboxRequest): SandboxReply {
        const read = readObject(req);
        if (!read.ok) return read.reply;
        const absent = missing(read.value, ['sku']);
        if (absent.length > 0) return error(422, `missing or empty: ${absent.join(', ')}`);
        if (!Number.isInteger(read.value.onHand)) return error(422, 'onHand must be a whole number');
        stockLevels++;
        stockBySku.set(read.value.sku as string, read.value);
        return jsonReply(202, { received: true });
      },
    },
  ];

  return {
    name: 'crm',
    prefix: '/crm',
    handle: (req) => dispatch(operations, req, error),
    fault: error,
    orderEventsReceived: () => orderEvents,
    orderEventsFrom: (source) => orderEventsBySource.get(source) ?? 0,
    casesOpened: () => caseSeq,
    stockLevelsReceived: () => stockLevels,
    stockLevel: (sku) => stockBySku.get(sku),
  };
}
