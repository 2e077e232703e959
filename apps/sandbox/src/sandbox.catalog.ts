/** A product both the ERP (for pricing) and the demo's sample orders use. */
export interface Product {
  readonly sku: string;
  readonly name: string;
  /** List price in EUR. */
  readonly unitPrice: number;
}

/** The ERP's product catalogue; `POST /erp/quotes` prices these SKUs and rejects any other. */
export const CATALOG: readonly Product[] = [
  { sku: 'SKU-CHAIR-01', name: 'Office chair', unitPrice: 149 },
  { sku: 'SKU-DESK-01', name: 'Standing desk', unitPrice: 649 },
  { sku: 'SKU-MON-27', name: '27-inch monitor', unitPrice: 329 },
  { sku: 'SKU-LAMP-02', name: 'Desk lamp', unitPrice: 39.9 },
  { sku: 'SKU-DOCK-USB', name: 'USB-C dock', unitPrice: 189 },
  { sku: 'SKU-KB-ERGO', name: 'Ergonomic keyboard', unitPrice: 89.5 },
  { sku: 'SKU-SRV-R1', name: 'Rack server', unitPrice: 4200 },
];

/** Discount per price list, in percent. */
export const PRICE_LISTS: Readonly<Record<string, number>> = { STANDARD: 0, GOLD: 10 };
