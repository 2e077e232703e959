import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FlatFormatError, compileFlatFormat } from '@junction/transform';
import { LEGACY_DESCRIPTIONS, LEGACY_ORDER_FORMAT, LEGACY_SKUS, LEGACY_STOCK_FORMAT, type LegacyOrderLine } from './legacy-warehouse.formats';

/** Where the legacy warehouse keeps its files, and how often it works. */
export interface LegacyWarehouseOptions {
  /** Its root folder, e.g. `./data/legacy-warehouse`: `stock/` (its exports), `orders/` (files for it). */
  readonly dir: string;
  /** How often it exports stock levels and reads its order folder; default 5 s. */
  readonly everyMs?: number;
  /**
   * Exports left unread in `stock/` before it stops writing more (nobody is collecting them: a demo without the route
   * must not fill the disk); default 20.
   */
  readonly maxPending?: number;
  readonly random?: () => number;
  readonly now?: () => Date;
}

export interface LegacyWarehouseCounts {
  /** Stock files written to `stock/`. */
  readonly stockFiles: number;
  /** Exports skipped because `maxPending` files were still unread. */
  readonly stockSkipped: number;
  /** Order files read and moved to `orders/done/`. */
  readonly orderFiles: number;
  /** Distinct orders and order lines in them. */
  readonly orders: number;
  readonly orderLines: number;
  /** Order files refused (malformed) and moved to `orders/error/`, with a `.problems.txt` beside each. */
  readonly rejectedFiles: number;
}

/** Order ids remembered for counting distinct orders; older ones are forgotten. */
const REMEMBERED_ORDERS = 10_000;

/** Names of files still being written, by this warehouse or by the bus: never read. */
const IN_PROGRESS = /(^\.|\.tmp$|\.part$)/;

/**
 * A legacy warehouse that talks files only. Every `everyMs` it exports its stock levels as a Latin-1 CSV
 * (LEGACY_STOCK_FORMAT) into `stock/`, written under a temporary name (`.csv.tmp`) and renamed when complete, so that
 * a reader never sees half a file; and it reads the fixed-width order files (LEGACY_ORDER_FORMAT) dropped into
 * `orders/`, moving each to `orders/done/`, or to `orders/error/` with the malformed lines listed beside it. Stock moves
 * a little between exports, as a warehouse's does. `tick()` does one round at once (tests call it without a timer).
 */
export class LegacyWarehouseFiles {
  private readonly stockFormat = compileFlatFormat(LEGACY_STOCK_FORMAT);
  private readonly orderFormat = compileFlatFormat(LEGACY_ORDER_FORMAT);
  private readonly onHand = new Map<string, number>();
  private readonly seenOrders = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private counts_: { -readonly [K in keyof LegacyWarehouseCounts]: LegacyWarehouseCounts[K] } = {
    stockFiles: 0,
    stockSkipped: 0,
    orderFiles: 0,
    orders: 0,
    orderLines: 0,
    rejectedFiles: 0,
  };
  private readonly random: () => number;
  private readonly now: () => Date;
  readonly stockDir: string;
  readonly ordersDir: string;

  constructor(private readonly options: LegacyWarehouseOptions) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
    this.stockDir = join(options.dir, 'stock');
    this.ordersDir = join(options.dir, 'orders');
    for (const sku of LEGACY_SKUS) this.onHand.set(sku, 20 + Math.floor(this.random() * 180));
  }

  /** Creates the folders and starts the rounds. */
  async start(): Promise<void> {
    await this.folders();
    this.timer = setInterval(() => void this.tick().catch(() => undefined), this.options.everyMs ?? 5000);
  }

  /** Stops the rounds and waits for the one in progress. Safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  counts(): LegacyWarehouseCounts {
    return { ...this.counts_ };
  }

  /** One round: export stock levels (unless too many wait), then read the order files. Rounds never overlap. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        await this.folders();
        await this.exportStock();
        await this.readOrders();
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Reads the order files now, without exporting stock: the last look before final counts, once the writer stopped. */
  async collectOrders(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.folders();
    await this.readOrders();
  }

  /** The stock levels as they are now, one record per SKU (what the next export writes). */
  levels(): Record<string, unknown>[] {
    const at = this.now();
    // The warehouse's clock is local time; the demo takes UTC for it, so that runs are comparable.
    const countedAt = at.toISOString().slice(0, 16);
    return LEGACY_SKUS.map((sku, i) => ({
      sku,
      description: LEGACY_DESCRIPTIONS[sku],
      onHand: this.onHand.get(sku) ?? 0,
      reserved: Math.min(this.onHand.get(sku) ?? 0, Math.floor(this.random() * 5)),
      location: `A${String(i + 1).padStart(2, '0')}-${String.fromCharCode(65 + (i % 4))}`,
      countedAt,
    }));
  }

  private async folders(): Promise<void> {
    for (const dir of [this.stockDir, this.ordersDir, join(this.ordersDir, 'done'), join(this.ordersDir, 'error')]) await mkdir(dir, { recursive: true });
  }

  private async exportStock(): Promise<void> {
    const pending = (await readdir(this.stockDir)).filter((f) => f.endsWith('.csv')).length;
    if (pending >= (this.options.maxPending ?? 20)) {
      this.counts_.stockSkipped++;
      return;
    }
    for (const [sku, qty] of this.onHand) this.onHand.set(sku, Math.max(0, qty + Math.floor(this.random() * 21) - 10));
    const n = ++this.counts_.stockFiles;
    const stamp = this.now().toISOString().replace(/[-:]/g, '').slice(0, 15);
    const name = `stock-${stamp}-${String(n).padStart(5, '0')}.csv`;
    const temp = join(this.stockDir, `${name}.tmp`);
    await writeFile(temp, this.stockFormat.write(this.levels()));
    await rename(temp, join(this.stockDir, name));
  }

  private async readOrders(): Promise<void> {
    const entries = await readdir(this.ordersDir, { withFileTypes: true });
    for (const entry of entries) {
      if (!entry.isFile() || IN_PROGRESS.test(entry.name)) continue;
      const file = join(this.ordersDir, entry.name);
      let lines: LegacyOrderLine[];
      try {
        lines = this.orderFormat.parse(await readFile(file)) as unknown as LegacyOrderLine[];
      } catch (err) {
        if (!(err instanceof FlatFormatError)) throw err;
        this.counts_.rejectedFiles++;
        await rename(file, join(this.ordersDir, 'error', entry.name));
        const report = err.problems.map((p) => `line ${p.line}: ${p.message}`).join('\n');
        await writeFile(join(this.ordersDir, 'error', `${entry.name}.problems.txt`), `${report}\n`);
        continue;
      }
      this.counts_.orderFiles++;
      this.counts_.orderLines += lines.length;
      for (const line of lines) {
        if (this.seenOrders.has(line.orderId)) continue;
        this.seenOrders.add(line.orderId);
        if (this.seenOrders.size > REMEMBERED_ORDERS) this.seenOrders.delete(this.seenOrders.values().next().value!);
        this.counts_.orders++;
      }
      await rename(file, join(this.ordersDir, 'done', entry.name));
    }
  }
}

/** The demo's summary line of the legacy warehouse: its files both ways, and the stock levels the CRM took. */
export function legacyWarehouseSummaryLine(counts: LegacyWarehouseCounts, crmStockLevels: number): string {
  const skipped = counts.stockSkipped > 0 ? ` (${counts.stockSkipped} skipped: earlier files not collected)` : '';
  const rejected = counts.rejectedFiles > 0 ? `, ${counts.rejectedFiles} refused` : '';
  return (
    `legacy warehouse (files): stock CSVs written ${counts.stockFiles}${skipped} | CRM stock levels: ${crmStockLevels} | ` +
    `order files read ${counts.orderFiles} (${counts.orders} orders, ${counts.orderLines} lines${rejected})`
  );
}
