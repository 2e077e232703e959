import { newMessageId } from '@junction/core';
import { createStore } from '../create-store';
import type { NewDelivery, NewMessage, Store, StoreLogger } from '../store.types';

/** PostgreSQL for the store specs; the same variable as the end-to-end suites. */
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A unique token for route ids, schema names and the like, so that specs sharing a database stay apart. */
export function unique(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

export function newMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  const id = overrides.id ?? newMessageId();
  return {
    id,
    routeId: 'orders',
    correlationId: `corr-${id}`,
    businessKey: null,
    sourceKind: 'http',
    sourceAddress: '/orders',
    mode: 'async',
    headers: { 'content-type': 'application/json', 'x-trace': 'a' },
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify({ order: id })),
    receivedAt: Date.now(),
    ...overrides,
  };
}

export function newDelivery(messageId: string, overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id: newMessageId(),
    messageId,
    targetId: 'crm',
    targetDescription: 'POST http://crm/orders',
    partIndex: null,
    wireTap: false,
    headers: { 'content-type': 'application/xml' },
    contentType: 'application/xml',
    body: Buffer.from('<order/>'),
    maxAttempts: 3,
    ...overrides,
  };
}

/** A logger that keeps what it was given. */
export function recordingLogger(): StoreLogger & { warnings: Array<{ o: object; m: string }> } {
  const warnings: Array<{ o: object; m: string }> = [];
  return { warnings, warn: (o, m) => warnings.push({ o, m }) };
}

/**
 * One database for a spec file: `store` is opened before the tests, `open` gives further stores (other instances) on
 * the same database; all are closed after the tests.
 */
export interface StoreHarness {
  readonly url: string;
  readonly store: Store;
  open(options?: { instanceId?: string; logger?: StoreLogger }): Promise<Store>;
}

export function useStore(url: string): StoreHarness {
  const opened: Store[] = [];
  let main: Store | undefined;
  const harness: StoreHarness = {
    url,
    get store(): Store {
      if (!main) throw new Error('the store is opened in beforeAll');
      return main;
    },
    async open(options = {}) {
      const store = createStore({ url, ...options });
      opened.push(store);
      await store.init();
      return store;
    },
  };
  beforeAll(async () => {
    main = await harness.open({ instanceId: 'main' });
  });
  afterAll(async () => {
    for (const store of opened) await store.close();
  });
  return harness;
}

/** Leases every claimable message and delivery for an hour, so that a test claims only what it creates. */
export async function quiesce(store: Store): Promise<void> {
  while ((await store.claimMessages(1000, 3_600_000)).length > 0);
  while ((await store.claimDeliveries(1000, 3_600_000)).length > 0);
}
