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

const DTD_KEYWORDS = ['DOCTYPE', 'ENTITY', 'ELEMENT', 'ATTLIST', 'NOTATION'];

/**
 * The refusal of `<!` markup at `i` that is neither a comment nor CDATA: XML_DOCTYPE_FORBIDDEN for a DTD declaration,
 * XML_MALFORMED otherwise. Shared by the prescan and the reader (xml-scanner.ts), which must refuse alike.
 */
export function bangMarkupError(text: string, i: number): InputError {
  const word = /^[A-Za-z]*/.exec(text.slice(i + 2, i + 12))![0].toUpperCase();
  if (DTD_KEYWORDS.includes(word)) {
    return new InputError(
      'XML_DOCTYPE_FORBIDDEN',
      `XML ${word === 'DOCTYPE' ? 'DOCTYPE' : `<!${word}> declaration`} is not allowed: documents with a DTD are refused (${describePosition(text, i)})`,
      400,
    );
  }
  return malformed(`unexpected '<!' markup`, text, i);
}

/** The refusal of a start tag at `i` nested deeper than `maxDepth`. */
export function depthError(limits: ResolvedXmlLimits, text: string, i: number): InputError {
  return limitError('maxDepth', limits.maxDepth, `elements are nested deeper (${describePosition(text, i)})`);
}

/** The refusal of the start tag at `i` when it has more than `maxAttributes` attributes. */
export function attributesError(limits: ResolvedXmlLimits, text: string, i: number): InputError {
  return limitError('maxAttributes', limits.maxAttributes, `an element has more attributes (${describePosition(text, i)})`);
}

/**
 * A linear scan of the text that refuses, before any tree is built: a DOCTYPE or other DTD declaration
 * (XML_DOCTYPE_FORBIDDEN), nesting deeper than `maxDepth` and elements with more than `maxAttributes` attributes
 * (XML_LIMIT), and (XML_MALFORMED) `<!` markup that is neither a comment nor CDATA, a second root element and text
 * after the root, which the validator lets through after a self-closing root. It keeps one counter and no
 * stack, so a hostile document costs one pass up to the point of refusal. Other well-formedness problems are left
 * to the validator that runs next; where the scan meets an unterminated construct, or the text ends before the root
 * element is closed, it stops and returns that problem (undefined when the scan saw a whole document): `parse` lets
 * the validator report it with its own words, `screen`, which runs no validator, refuses it.
 */
export function prescanXml(text: string, limits: ResolvedXmlLimits): InputError | undefined {
  const len = text.length;
  let depth = 0;
  let rootDone = false;
  let i = text.indexOf('<');
  while (i !== -1) {
    const c1 = text.charCodeAt(i + 1);
    let end: number;
    if (c1 === 0x3f /* ? */) {
      end = text.indexOf('?>', i + 2);
      if (end === -1) return malformed('an unterminated processing instruction', text, i);
      end += 1;
    } else if (c1 === 0x21 /* ! */) {
      if (text.startsWith('--', i + 2)) {
        end = text.indexOf('-->', i + 4);
        if (end === -1) return malformed('an unterminated comment', text, i);
        end += 2;
      } else if (text.startsWith('[CDATA[', i + 2)) {
        end = text.indexOf(']]>', i + 9);
        if (end === -1) return malformed('an unterminated CDATA section', text, i);
        end += 2;
      } else {
        throw bangMarkupError(text, i);
      }
    } else if (c1 === 0x2f /* / */) {
      end = text.indexOf('>', i + 2);
      if (end === -1) return malformed('an unterminated end tag', text, i);
      if (--depth === 0) rootDone = true;
      else if (depth < 0) return malformed('an end tag without its start tag', text, i);
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
          if (close === -1) return malformed('an unterminated attribute value', text, end);
          if (++attributes > limits.maxAttributes) throw attributesError(limits, text, i);
          end = close;
        } else if (c === 0x3e /* > */ || c === 0x3c /* < */) {
          break;
        }
      }
      if (end >= len) return malformed('an unterminated start tag', text, i);
      if (text.charCodeAt(end) === 0x3c) return malformed("a start tag without its '>'", text, i);
      if (depth >= limits.maxDepth) throw depthError(limits, text, i);
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
  if (!rootDone) return malformed(depth > 0 ? 'the root element is not closed' : 'no root element', text, len);
  return undefined;
}
