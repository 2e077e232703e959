import { ConfigError } from '@junction/core';
import * as iconv from 'iconv-lite';

/** Encodings a byte order mark can be written in. */
const BOM_ENCODINGS = new Set(['utf8', 'utf-8', 'utf16le', 'utf-16le', 'utf16be', 'utf-16be', 'utf16', 'utf-16']);

/** Resolves an encoding name once, at compile: unknown names and a BOM the encoding cannot carry are ConfigErrors. */
export function flatEncoding(name: string | undefined, bom: boolean | undefined): string {
  const encoding = (name ?? 'utf8').toLowerCase();
  if (!iconv.encodingExists(encoding)) throw new ConfigError(`unknown encoding ${name}`);
  if (bom && !BOM_ENCODINGS.has(encoding)) throw new ConfigError(`a byte order mark needs a Unicode encoding, not ${name}`);
  return encoding;
}

/** Whether iconv-lite knows the encoding (for schemas and tests). */
export function isFlatEncoding(name: string): boolean {
  return iconv.encodingExists(name);
}

/** Bytes -> text; a leading byte order mark is dropped. */
export function decodeFlat(bytes: Buffer, encoding: string): string {
  return iconv.decode(bytes, encoding, { stripBOM: true });
}

/** Text -> bytes, with a byte order mark when asked. */
export function encodeFlat(text: string, encoding: string, bom: boolean): Buffer {
  return iconv.encode(text, encoding, { addBOM: bom });
}

/** The charset parameter for a content type: the encoding's usual MIME name. */
export function charsetName(encoding: string): string {
  const e = encoding.replace(/[^a-z0-9]/g, '');
  if (e === 'utf8') return 'utf-8';
  if (e === 'latin1' || e === 'iso88591' || e === 'binary') return 'iso-8859-1';
  if (e === 'cp1252' || e === 'windows1252' || e === 'win1252') return 'windows-1252';
  return encoding;
}

/**
 * Line numbers of positions in a text: the offsets of its line feeds, searched by bisection. `lineAt(offset)` is the
 * 1-based line the character at `offset` is on.
 */
export class LineIndex {
  private readonly feeds: number[] = [];

  constructor(text: string | Buffer) {
    if (typeof text === 'string') {
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.feeds.push(i);
    } else {
      for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) this.feeds.push(i);
    }
  }

  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.feeds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.feeds[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
}
