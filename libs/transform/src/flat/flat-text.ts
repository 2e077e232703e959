import { ConfigError } from '@junction/core';
import * as iconv from 'iconv-lite';
import { FlatFormatError } from './flat-format.error';

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

const UTF8 = new Set(['utf8', 'utf-8']);
const UNICODE = new Set([...UTF8, 'utf16le', 'utf-16le', 'utf16be', 'utf-16be', 'utf16', 'utf-16', 'cesu8']);
const REPLACEMENT = Buffer.from([0xef, 0xbf, 0xbd]);

/**
 * Bytes -> text; a leading byte order mark is dropped. UTF-8 that is not (a Latin-1 file read without its encoding,
 * most often) is refused at its first bad line rather than read with replacement characters.
 */
export function decodeFlat(bytes: Buffer, encoding: string): string {
  const text = iconv.decode(bytes, encoding, { stripBOM: true });
  if (UTF8.has(encoding) && text.includes('\ufffd') && count(text, '\ufffd') !== countBytes(bytes, REPLACEMENT)) {
    const at = firstInvalidUtf8(text, bytes);
    throw new FlatFormatError([{ line: lineOf(text, at), message: `bytes that are not UTF-8: set the format's encoding (latin1, windows-1252...)` }]);
  }
  return text;
}

/**
 * Text -> bytes, with a byte order mark when asked. A character the encoding cannot hold (€ or Ł in latin1) is
 * refused at its line, never written as `?`.
 */
export function encodeFlat(text: string, encoding: string, bom: boolean): Buffer {
  const bytes = iconv.encode(text, encoding, { addBOM: bom });
  if (!UNICODE.has(encoding)) {
    const back = iconv.decode(bytes, encoding);
    if (back !== text) {
      let at = 0;
      while (at < text.length && text[at] === back[at]) at++;
      const char = String.fromCodePoint(text.codePointAt(at) ?? 0);
      throw new FlatFormatError([{ line: lineOf(text, at), message: `"${char}" cannot be written in ${encoding}` }], 1, 'unwritable');
    }
  }
  return bytes;
}

function lineOf(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function count(text: string, char: string): number {
  let n = 0;
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++;
  return n;
}

function countBytes(bytes: Buffer, seq: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(seq); i !== -1; i = bytes.indexOf(seq, i + 1)) n++;
  return n;
}

/** Where the first replacement character that the bytes did not hold is: decoded line by line. */
function firstInvalidUtf8(text: string, bytes: Buffer): number {
  let offset = 0;
  let start = 0;
  while (start <= bytes.length) {
    const end = bytes.indexOf(10, start);
    const stop = end === -1 ? bytes.length : end;
    const line = bytes.subarray(start, stop);
    const decoded = line.toString('utf8');
    if (count(decoded, '\ufffd') !== countBytes(line, REPLACEMENT)) return offset;
    offset += decoded.length + 1;
    if (end === -1) break;
    start = end + 1;
  }
  return text.indexOf('\ufffd');
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
