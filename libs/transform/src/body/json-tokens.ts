/**
 * The token scanners of json-scan.ts. Each returns the index after its token, or -(errorIndex + 1) when the token is
 * invalid, the error index being the first character that cannot continue it.
 */

// A string longer than this is crossed with native searches (indexOf, a regular expression) rather than character by
// character: much faster for long texts, slower than the plain loop for the short keys and values most bodies hold.
const SHORT_STRING = 24;

// The characters a JSON string may not hold raw; outside strings only the whitespace among them is allowed.
const CONTROL = /[\u0000-\u001f]/g;

/**
 * Scans the strings of one text. Where the next quote, backslash and control character are is remembered between
 * strings, so that the native searches cover the text at most once each whatever the strings hold.
 */
export class StringScanner {
  /** Whether the last string scanned holds an escape (its value then differs from its text). */
  escaped = false;
  private nextQuote = -1;
  private nextBackslash = -1;
  private nextControl = -1;

  constructor(private readonly text: string) {}

  /** The string whose opening quote is at `i`. */
  scan(i: number): number {
    const text = this.text;
    this.escaped = false;
    const short = Math.min(i + 1 + SHORT_STRING, text.length);
    let k = i + 1;
    while (k < short) {
      const c = text.charCodeAt(k);
      if (c === 0x22) return k + 1;
      if (c < 0x20) return -k - 1;
      if (c === 0x5c) {
        this.escaped = true;
        k = escapeEnd(text, k);
        if (k < 0) return k;
      } else {
        k++;
      }
    }
    return k < text.length ? this.scanLong(k) : -text.length - 1;
  }

  /** The rest of a string from `k`, a character of its content. */
  private scanLong(k: number): number {
    const text = this.text;
    const len = text.length;
    for (;;) {
      if (this.nextQuote < k) this.nextQuote = found(text.indexOf('"', k), len);
      if (this.nextBackslash < k) this.nextBackslash = found(text.indexOf('\\', k), len);
      if (this.nextControl < k) {
        CONTROL.lastIndex = k;
        this.nextControl = found(CONTROL.exec(text)?.index ?? -1, len);
      }
      const end = this.nextQuote;
      if (this.nextControl < end && this.nextControl < this.nextBackslash) return -this.nextControl - 1;
      if (this.nextBackslash >= end) return end < len ? end + 1 : -len - 1;
      this.escaped = true;
      k = escapeEnd(text, this.nextBackslash);
      if (k < 0) return k;
    }
  }
}

function found(index: number, len: number): number {
  return index < 0 ? len : index;
}

/** The escape whose backslash is at `k`; an invalid one is faulted at the character after the backslash. */
function escapeEnd(text: string, k: number): number {
  const e = text.charCodeAt(k + 1);
  if (e === 0x75 /* u */) {
    for (let h = k + 2; h < k + 6; h++) if (!isHex(text.charCodeAt(h))) return -(k + 1) - 1;
    return k + 6;
  }
  // " \ / b f n r t
  if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) return k + 2;
  return -(k + 1) - 1;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** A number, `true`, `false` or `null` starting with `c` at `i`. */
export function scanScalar(text: string, i: number, c: number): number {
  if (c === 0x74 /* t */) return scanWord(text, i, 'true');
  if (c === 0x66 /* f */) return scanWord(text, i, 'false');
  if (c === 0x6e /* n */) return scanWord(text, i, 'null');
  return scanNumber(text, i, c);
}

function scanWord(text: string, i: number, word: string): number {
  for (let k = 1; k < word.length; k++) if (text.charCodeAt(i + k) !== word.charCodeAt(k)) return -(i + k) - 1;
  return i + word.length;
}

/** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function scanNumber(text: string, i: number, c: number): number {
  let k = i;
  if (c === 0x2d /* - */) c = text.charCodeAt(++k);
  if (c === 0x30) {
    c = text.charCodeAt(++k);
  } else {
    if (!isDigit(c)) return -k - 1;
    k = skipDigits(text, k + 1);
    c = text.charCodeAt(k);
  }
  if (c === 0x2e /* . */) {
    if (!isDigit(text.charCodeAt(++k))) return -k - 1;
    k = skipDigits(text, k + 1);
    c = text.charCodeAt(k);
  }
  if (c === 0x65 /* e */ || c === 0x45 /* E */) {
    c = text.charCodeAt(++k);
    if (c === 0x2b /* + */ || c === 0x2d /* - */) c = text.charCodeAt(++k);
    if (!isDigit(c)) return -k - 1;
    k = skipDigits(text, k + 1);
  }
  return k;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function skipDigits(text: string, k: number): number {
  while (isDigit(text.charCodeAt(k))) k++;
  return k;
}
