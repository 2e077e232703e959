import type { FlatFormatDef } from '@junction/transform';
import { CATALOG } from './sandbox.catalog';

/**
 * The legacy warehouse's file formats, as its 1990s system writes and reads them. The bus's routes describe the same
 * formats (routes/legacy-warehouse.yaml; a spec checks that they agree).
 */

/**
 * Stock levels the warehouse exports: Latin-1, `;`-separated, CRLF, a header row, one line per SKU. `countedAt` is
 * the warehouse's local time as `DD.MM.YYYY HH:mm`; descriptions are in French, with accents and quotes.
 */
export const LEGACY_STOCK_FORMAT = {
  csv: {
    delimiter: ';',
    encoding: 'latin1',
    header: true,
    recordDelimiter: '\r\n',
    columns: [
      'sku',
      'description',
      { name: 'onHand', type: 'integer' },
      { name: 'reserved', type: 'integer' },
      'location',
      { name: 'countedAt', type: 'date', format: 'DD.MM.YYYY HH:mm' },
    ],
  },
} as const satisfies FlatFormatDef;

/**
 * Order files the warehouse takes: fixed-width, Latin-1, CRLF, one 84-character record per order line. Quantities
 * and the line number are zero-padded, the unit price has two implied decimals, text is left-aligned and
 * space-padded, the order date is YYYYMMDD.
 */
export const LEGACY_ORDER_FORMAT = {
  fixedWidth: {
    encoding: 'latin1',
    recordDelimiter: '\r\n',
    fields: [
      { name: 'orderId', start: 1, length: 12 },
      { name: 'line', start: 13, length: 3, type: 'integer' },
      { name: 'sku', start: 16, length: 15 },
      { name: 'qty', start: 31, length: 5, type: 'integer' },
      { name: 'unitPrice', start: 36, length: 9, type: 'decimal', decimals: 2 },
      { name: 'customer', start: 45, length: 30 },
      { name: 'country', start: 75, length: 2 },
      { name: 'orderDate', start: 77, length: 8, type: 'date' },
    ],
  },
} as const satisfies FlatFormatDef;

/** One line of an order file, as LEGACY_ORDER_FORMAT reads it. */
export interface LegacyOrderLine {
  readonly orderId: string;
  readonly line: number;
  readonly sku: string;
  readonly qty: number;
  readonly unitPrice: number;
  readonly customer: string;
  readonly country: string;
  /** YYYY-MM-DD */
  readonly orderDate: string;
}

/** The warehouse's own (French) names of the catalogue's products, by SKU. */
export const LEGACY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'SKU-CHAIR-01': 'Chaise de bureau ergonomique',
  'SKU-DESK-01': 'Bureau réglable en hauteur',
  'SKU-MON-27': 'Écran 27" (dalle IPS)',
  'SKU-LAMP-02': 'Lampe de bureau à LED; pince',
  'SKU-DOCK-USB': "Station d'accueil USB-C",
  'SKU-KB-ERGO': 'Clavier ergonomique « AZERTY »',
  'SKU-SRV-R1': 'Serveur rack 1U, garantie 3 ans',
};

/** Every catalogue SKU has a description in the warehouse. */
export const LEGACY_SKUS: readonly string[] = CATALOG.map((p) => p.sku).filter((sku) => LEGACY_DESCRIPTIONS[sku] !== undefined);
