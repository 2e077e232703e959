import { LegacyWarehouseFiles, legacyWarehouseSummaryLine } from '../legacy-warehouse.files';
import { post } from './bus-requests';
import type { BusRequestContext } from './demo-brokers';
import { emptyTally, orderLine, tallyOutcome, type Outcome } from './demo-console';
import { legacyWarehouseOrder, type SampleRequest } from './sample-orders';

export interface DemoLegacyWarehouseOptions {
  /** The warehouse's root folder (`stock/`, `orders/`); the bus gets it as LEGACY_WAREHOUSE_DIR. */
  readonly dir: string;
  /** How often the warehouse exports its stock and reads its order folder (default 3 s). */
  readonly everyMs?: number;
  readonly log: (line: string) => void;
}

/** How often the demo's warehouse works when not told: "every few seconds", and often enough for a short demo. */
export const DEMO_LEGACY_WAREHOUSE_EVERY_MS = 3_000;

/**
 * The demo's legacy warehouse that talks files (routes/legacy-warehouse.yaml): it exports its stock levels as CSV
 * files into `<dir>/stock`, which the bus reads and sends to the CRM, and reads the fixed-width order files the bus
 * writes into `<dir>/orders` for the web orders the demo forwards to `POST /legacy-warehouse/orders`.
 *
 * Lifecycle: `start` creates the folders and exports once at once (the bus finds a file when it starts), then every
 * `everyMs`; `forward` posts an accepted web order to the bus; `close` stops the rounds and reads the order files the
 * bus wrote since the last round (call it once the bus stopped, so that the final counts hold them). Safe to call
 * twice, and without `start`.
 */
export class DemoLegacyWarehouse {
  readonly files: LegacyWarehouseFiles;
  private readonly forwarded = emptyTally();
  private forwardFailed = false;
  private closing?: Promise<void>;

  constructor(private readonly options: DemoLegacyWarehouseOptions) {
    this.files = new LegacyWarehouseFiles({ dir: options.dir, everyMs: options.everyMs ?? DEMO_LEGACY_WAREHOUSE_EVERY_MS });
  }

  async start(): Promise<void> {
    const every = (this.options.everyMs ?? DEMO_LEGACY_WAREHOUSE_EVERY_MS) / 1000;
    this.options.log(
      `files    legacy warehouse in ${this.options.dir}: a stock CSV into stock/ every ${every} s (the bus sends each SKU to ` +
        'the CRM); web orders come back as fixed-width files in orders/',
    );
    await this.files.start();
    await this.files.tick();
  }

  /** The bus's setting the warehouse routes read: where the warehouse's folders are. */
  busEnv(): Record<string, string> {
    return { LEGACY_WAREHOUSE_DIR: this.options.dir };
  }

  /**
   * When the bus accepted `order` (a valid web order), posts it to the bus's `POST /legacy-warehouse/orders` and counts
   * the answer, logging the first failure. Returns the request under way, which never rejects, or undefined.
   */
  forward(order: SampleRequest, outcome: Outcome, bus: BusRequestContext): Promise<void> | undefined {
    const accepted = !('error' in outcome) && outcome.status < 300;
    if (order.kind !== 'web' || !accepted || order.invalidOnPurpose) return undefined;
    const request = legacyWarehouseOrder(order);
    return post(bus.busUrl, request, bus.token, bus.signal).then((answer) => {
      tallyOutcome(this.forwarded, request, answer);
      if (this.forwardFailed || (!('error' in answer) && answer.status < 300)) return;
      this.forwardFailed = true;
      this.options.log(`web shop: passing orders to the legacy warehouse failed: ${orderLine(request, answer)}`);
    });
  }

  /** The warehouse's summary line, with the orders the web shop forwarded and the stock levels the CRM took. */
  summaryLine(crmStockLevels: number): string {
    const t = this.forwarded;
    const failed = t.failed ? `, ${t.failed} failed` : '';
    return `== ${legacyWarehouseSummaryLine(this.files.counts(), crmStockLevels)} | web orders forwarded: ${t.sent} (${t.accepted} accepted${failed})`;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.files.stop();
      await this.files.collectOrders();
    })();
    return this.closing;
  }
}
