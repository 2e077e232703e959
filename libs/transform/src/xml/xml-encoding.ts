import { TextDecoder } from 'node:util';
import { InputError } from '@junction/core';
import { limitError, malformed } from './xml-guard';

/**
 * Turning XML bytes into text the way a receiving parser would, so that what the bus screens is what a target reads.
 * Three things can name an encoding: a byte order mark, the XML declaration and the `charset` of the content type
 * (RFC 7303). XML 1.0 Appendix F tells UTF-16 without a mark by the pattern of `<?`. Whenever two of them disagree
 * on how the markup is read, the document is refused rather than read one way here and another way there: a UTF-16
 * declaration on 8-bit bytes, a UTF-16 mark on ASCII, UTF-16 bytes labelled UTF-8. Only encodings whose markup
 * cannot hide are read: UTF-8, UTF-16 and the single-byte supersets of ASCII; UTF-32, EBCDIC and the multi-byte legacy
 * encodings (Shift_JIS, GBK, ISO-2022-JP...) are refused.
 */

/** What reading a document needs besides its bytes. */
export interface XmlDecodeOptions {
  /** The `charset` parameter of the content type the bytes came with, if any. */
  readonly charset?: string;
}

type Utf16 = 'utf-16le' | 'utf-16be';

/** WHATWG single-byte encodings: each agrees with ASCII on every byte below 0x80, so markup reads the same in all. */
const SINGLE_BYTE = new Set([
  'ibm866',
  'iso-8859-2',
  'iso-8859-3',
  'iso-8859-4',
  'iso-8859-5',
  'iso-8859-6',
  'iso-8859-7',
  'iso-8859-8',
  'iso-8859-8-i',
  'iso-8859-10',
  'iso-8859-13',
  'iso-8859-14',
  'iso-8859-15',
  'iso-8859-16',
  'koi8-r',
  'koi8-u',
  'macintosh',
  'windows-874',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1255',
  'windows-1256',
  'windows-1257',
  'windows-1258',
  'x-mac-cyrillic',
]);

const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]{0,39})["']/;
// Enough of the head for any declaration the pattern above can match.
const DECLARATION_HEAD = 200;

/**
 * Checks the size limit and turns the input into text exactly once, in the one encoding every sign agrees on (see
 * above); a leading byte order mark is removed. Throws InputError: `XML_LIMIT` over `maxBytes`, `XML_MALFORMED` for
 * signs that disagree, an unsupported encoding, bytes that are not valid in the encoding, a NUL character (UTF-16 or
 * UTF-32 read as 8-bit) and text that does not start with markup (8-bit bytes read as UTF-16).
 */
export function decodeXmlInput(input: string | Buffer, maxBytes: number, options: XmlDecodeOptions = {}): string {
  let text: string;
  if (typeof input === 'string') {
    // UTF-8 takes at least one and at most three bytes per UTF-16 unit: count bytes only when it can matter.
    if (input.length > maxBytes || (input.length * 3 > maxBytes && Buffer.byteLength(input, 'utf8') > maxBytes)) {
      throw limitError('maxBytes', maxBytes, 'the document is larger');
    }
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.length > maxBytes) throw limitError('maxBytes', maxBytes, `the document has ${input.length} bytes`);
    const encoding = encodingOf(input, options.charset);
    try {
      // TextDecoder drops the byte order mark itself (ignoreBOM: false).
      text = decoderFor(encoding).decode(input);
    } catch (err) {
      throw new InputError('XML_MALFORMED', `Malformed XML: the bytes are not valid ${encoding}`, 400, err);
    }
  }
  checkDecoded(text);
  return text;
}

/** The text must read as markup: what was read in the wrong encoding does not. */
function checkDecoded(text: string): void {
  const nul = text.indexOf('\0');
  if (nul !== -1) throw malformed('a NUL character, which XML does not allow (UTF-16 or UTF-32 bytes without a byte order mark?)', text, nul);
  let first = 0;
  while (first < text.length && isSpace(text.charCodeAt(first))) first++;
  // An empty document is left to the validator, which names it.
  if (first < text.length && text.charCodeAt(first) !== 0x3c /* < */) {
    throw malformed('the document does not start with markup (are its bytes in the encoding it claims?)', text, first);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The encoding to read `bytes` in: the one their byte order mark, pattern, declaration and charset agree on. */
function encodingOf(bytes: Buffer, charset: string | undefined): string {
  const [b0, b1, b2, b3] = bytes;
  if ((b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) || (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff)) {
    throw unsupported('UTF-32');
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return utf8ByMark(bytes, charset);
  if (b0 === 0xff && b1 === 0xfe) return utf16(bytes, 'utf-16le', 2, charset);
  if (b0 === 0xfe && b1 === 0xff) return utf16(bytes, 'utf-16be', 2, charset);
  // XML 1.0 Appendix F: `<?` in UTF-16 without a mark, which must then be a declaration naming the encoding.
  if (b0 === 0x3c && b1 === 0 && b2 === 0x3f && b3 === 0) return utf16(bytes, 'utf-16le', 0, charset);
  if (b0 === 0 && b1 === 0x3c && b2 === 0 && b3 === 0x3f) return utf16(bytes, 'utf-16be', 0, charset);
  return eightBit(bytes, charset);
}

function utf8ByMark(bytes: Buffer, charset: string | undefined): string {
  const declared = declaredEncoding(bytes.toString('latin1', 3, 3 + DECLARATION_HEAD));
  for (const [where, label] of [['declaration', declared], ['content type', charset]] as const) {
    if (label !== undefined && canonical(label) !== 'utf-8') throw disagree(`a UTF-8 byte order mark`, `the ${where} says ${label}`);
  }
  return 'utf-8';
}

function utf16(bytes: Buffer, order: Utf16, mark: number, charset: string | undefined): string {
  const head = new TextDecoder(order).decode(bytes.subarray(mark, mark + 2 * DECLARATION_HEAD));
  const declared = declaredEncoding(head);
  const bytesSay = mark > 0 ? `a ${order.toUpperCase()} byte order mark` : `${order.toUpperCase()} bytes`;
  if (mark === 0 && declared === undefined) throw disagree(bytesSay, 'the declaration names no encoding');
  for (const [where, label] of [['declaration', declared], ['content type', charset]] as const) {
    if (label !== undefined && !namesUtf16(label, order)) throw disagree(bytesSay, `the ${where} says ${label}`);
  }
  return order;
}

/** Bytes with neither mark nor UTF-16 pattern: UTF-8 unless the declaration or the charset names an ASCII superset. */
function eightBit(bytes: Buffer, charset: string | undefined): string {
  // The declaration is ASCII in every ASCII-compatible encoding, so reading its head as latin1 is safe.
  const declared = declaredEncoding(bytes.toString('latin1', 0, DECLARATION_HEAD));
  let chosen: string | undefined;
  for (const [where, label] of [['declaration', declared], ['content type', charset]] as const) {
    if (label === undefined) continue;
    const name = canonical(label);
    if (name === 'utf-16le' || name === 'utf-16be') throw disagree('8-bit bytes without a UTF-16 byte order mark', `the ${where} says ${label}`);
    if (name === undefined || (name !== 'utf-8' && !SINGLE_BYTE.has(name))) throw unsupported(label);
    if (chosen !== undefined && chosen !== name) throw disagree(`the declaration says ${declared}`, `the content type says ${charset}`);
    chosen = name;
  }
  return chosen ?? 'utf-8';
}

function declaredEncoding(head: string): string | undefined {
  return DECLARED_ENCODING.exec(head)?.[1];
}

/** Labels that name UTF-16 in this byte order: `UTF-16` (and its aliases) in either, `UTF-16LE`/`UTF-16BE` in theirs. */
function namesUtf16(label: string, order: Utf16): boolean {
  const name = canonical(label);
  if (name === order) return true;
  // TextDecoder maps the order-neutral labels (utf-16, ucs-2, unicode...) to utf-16le; only `utf-16le` itself is LE.
  return name === 'utf-16le' && label.toLowerCase() !== 'utf-16le';
}

const canonicalNames = new Map<string, string | undefined>();

/** The WHATWG name of an encoding label, undefined for a label TextDecoder does not know. */
function canonical(label: string): string | undefined {
  const key = label.toLowerCase();
  if (canonicalNames.has(key)) return canonicalNames.get(key);
  let name: string | undefined;
  try {
    name = new TextDecoder(key).encoding;
  } catch {
    name = undefined;
  }
  // Bounded: the label pattern allows 40 characters, and only known labels resolve; unknown ones are few per call.
  if (name !== undefined) canonicalNames.set(key, name);
  return name;
}

const decoders = new Map<string, TextDecoder>();

function decoderFor(encoding: string): TextDecoder {
  let decoder = decoders.get(encoding);
  if (!decoder) decoders.set(encoding, (decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: false })));
  return decoder;
}

function unsupported(label: string): InputError {
  return new InputError('XML_MALFORMED', `Malformed XML: unsupported encoding '${label}'`, 400);
}

function disagree(one: string, other: string): InputError {
  return new InputError('XML_MALFORMED', `Malformed XML: the encoding is contradictory: ${one}, but ${other}`, 400);
}
