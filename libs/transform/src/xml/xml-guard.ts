import { TextDecoder } from 'node:util';
import { ConfigError, InputError } from '@junction/core';
import { describePosition } from '../text-position';
import type { XmlLimits } from './xml-convention';

/** Limits with every value set. */
export type ResolvedXmlLimits = Required<XmlLimits>;

export const DEFAULT_XML_LIMITS: ResolvedXmlLimits = Object.freeze({
  maxDepth: 100,
  maxAttributes: 256,
  maxBytes: 10 * 1024 * 1024,
});

// The tree conversion and the writer recurse once per level; this keeps them far from the JS stack limit.
const DEPTH_CEILING = 1000;

/** Fills in defaults and checks the caller's limits; throws ConfigError on a non-positive or non-integer value. */
export function resolveXmlLimits(limits: XmlLimits | undefined): ResolvedXmlLimits {
  const resolved = { ...DEFAULT_XML_LIMITS, ...stripUndefined(limits) };
  const problems: string[] = [];
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) problems.push(`XML limit ${name} must be a positive integer`);
  }
  if (resolved.maxDepth > DEPTH_CEILING) problems.push(`XML limit maxDepth must be at most ${DEPTH_CEILING}`);
  if (problems.length > 0) throw new ConfigError(problems.join('; '), problems);
  return Object.freeze(resolved);
}

function stripUndefined(limits: XmlLimits | undefined): XmlLimits {
  const out: Record<string, number> = {};
  if (limits) for (const [k, v] of Object.entries(limits)) if (v !== undefined) out[k] = v as number;
  return out;
}

/** The InputError for a breached limit; the message names the limit and its value. */
export function limitError(limit: keyof XmlLimits, value: number, detail: string): InputError {
  return new InputError('XML_LIMIT', `XML limit ${limit} (${value}) exceeded: ${detail}`, 400);
}

/** The InputError for malformed XML, placed at a line and column when the position is known. */
export function malformed(problem: string, text?: string, index?: number): InputError {
  const where = text !== undefined && index !== undefined ? ` (${describePosition(text, index)})` : '';
  return new InputError('XML_MALFORMED', `Malformed XML: ${problem}${where}`, 400);
}

const decoders = new Map<string, TextDecoder>();
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]{0,39})["']/;

/**
 * Checks the size limit and turns the input into text exactly once. Bytes are UTF-8 unless a byte order mark says
 * UTF-16 or the declaration names another encoding (ISO-8859-1 from legacy systems, for instance); undecodable
 * bytes are refused rather than silently replaced. A leading byte order mark is removed.
 */
export function decodeXmlInput(input: string | Buffer, maxBytes: number): string {
  if (typeof input === 'string') {
    // UTF-8 takes at least one and at most three bytes per UTF-16 unit: count bytes only when it can matter.
    if (input.length > maxBytes || (input.length * 3 > maxBytes && Buffer.byteLength(input, 'utf8') > maxBytes)) {
      throw limitError('maxBytes', maxBytes, 'the document is larger');
    }
    return input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  }
  if (input.length > maxBytes) throw limitError('maxBytes', maxBytes, `the document has ${input.length} bytes`);
  const label = encodingOf(input);
  try {
    // TextDecoder drops the byte order mark itself (ignoreBOM: false).
    return decoderFor(label).decode(input);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError('XML_MALFORMED', `Malformed XML: the bytes are not valid ${label}`, 400, err);
  }
}

function encodingOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] !== 0x3c) return 'utf-8';
  // The declaration is ASCII in every ASCII-compatible encoding, so reading its head as latin1 is safe.
  const declared = DECLARED_ENCODING.exec(bytes.toString('latin1', 0, 200));
  return declared ? declared[1].toLowerCase() : 'utf-8';
}

function decoderFor(label: string): TextDecoder {
  if (label === 'utf-8' || label === 'utf8') return UTF8;
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = new TextDecoder(label, { fatal: true });
    } catch (err) {
      throw new InputError('XML_MALFORMED', `Malformed XML: unsupported encoding '${label}'`, 400, err);
    }
    decoders.set(label, decoder); // bounded: only labels TextDecoder knows get here
  }
  return decoder;
}

const DTD_KEYWORDS = ['DOCTYPE', 'ENTITY', 'ELEMENT', 'ATTLIST', 'NOTATION'];

/**
 * A linear scan of the text that refuses, before any tree is built: a DOCTYPE or other DTD declaration
 * (XML_DOCTYPE_FORBIDDEN), nesting deeper than `maxDepth` and elements with more than `maxAttributes` attributes
 * (XML_LIMIT), and (XML_MALFORMED) `<!` markup that is neither a comment nor CDATA, a second root element and text
 * after the root, which the validator lets through after a self-closing root. It keeps one counter and no
 * stack, so a hostile document costs one pass up to the point of refusal. Other well-formedness problems are left
 * to the validator that runs next; where the scan meets an unterminated construct it stops and lets the validator
 * report it with its position.
 */
export function prescanXml(text: string, limits: ResolvedXmlLimits): void {
  const len = text.length;
  let depth = 0;
  let rootDone = false;
  let i = text.indexOf('<');
  while (i !== -1) {
    const c1 = text.charCodeAt(i + 1);
    let end: number;
    if (c1 === 0x3f /* ? */) {
      end = text.indexOf('?>', i + 2);
      if (end === -1) return;
      end += 1;
    } else if (c1 === 0x21 /* ! */) {
      if (text.startsWith('--', i + 2)) {
        end = text.indexOf('-->', i + 4);
        if (end === -1) return;
        end += 2;
      } else if (text.startsWith('[CDATA[', i + 2)) {
        end = text.indexOf(']]>', i + 9);
        if (end === -1) return;
        end += 2;
      } else {
        const word = /^[A-Za-z]*/.exec(text.slice(i + 2, i + 12))![0].toUpperCase();
        if (DTD_KEYWORDS.includes(word)) {
          throw new InputError(
            'XML_DOCTYPE_FORBIDDEN',
            `XML ${word === 'DOCTYPE' ? 'DOCTYPE' : `<!${word}> declaration`} is not allowed: documents with a DTD are refused (${describePosition(text, i)})`,
            400,
          );
        }
        throw malformed(`unexpected '<!' markup`, text, i);
      }
    } else if (c1 === 0x2f /* / */) {
      end = text.indexOf('>', i + 2);
      if (end === -1) return;
      if (--depth === 0) rootDone = true;
    } else {
      // The validator misses a second root or trailing text after a self-closing root.
      if (depth === 0 && rootDone) throw malformed('only one root element is allowed', text, i);
      // A start tag: find its '>' outside quoted values; every quoted value is one attribute.
      let attributes = 0;
      end = i + 1;
      for (; end < len; end++) {
        const c = text.charCodeAt(end);
        if (c === 0x22 || c === 0x27) {
          const close = text.indexOf(c === 0x22 ? '"' : "'", end + 1);
          if (close === -1) return;
          if (++attributes > limits.maxAttributes) {
            throw limitError('maxAttributes', limits.maxAttributes, `an element has more attributes (${describePosition(text, i)})`);
          }
          end = close;
        } else if (c === 0x3e /* > */ || c === 0x3c /* < */) {
          break;
        }
      }
      if (end >= len) return;
      if (text.charCodeAt(end) === 0x3c) {
        i = end;
        continue;
      }
      if (depth >= limits.maxDepth) {
        throw limitError('maxDepth', limits.maxDepth, `elements are nested deeper (${describePosition(text, i)})`);
      }
      if (text.charCodeAt(end - 1) !== 0x2f /* self-closing */) depth++;
      else if (depth === 0) rootDone = true;
    }
    i = text.indexOf('<', end + 1);
    if (rootDone && depth === 0) {
      // Only the tail after the root gets here, so this check stays cheap.
      const stop = i === -1 ? len : i;
      for (let k = end + 1; k < stop; k++) {
        const c = text.charCodeAt(k);
        if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) throw malformed('text after the root element', text, k);
      }
    }
  }
}
