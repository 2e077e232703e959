/** Text and names as the schema-driven writer writes them. Internal to xsd/. */
import { XsdWriteError } from './xsd-write-error';

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The local part of a JSON key written as a qualified name (`o:Order` -> `Order`). */
export function localPart(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(colon + 1);
}

const XML_NAME = /^[\p{L}_][\p{L}\p{N}_.\u00B7-]*(?::[\p{L}_][\p{L}\p{N}_.\u00B7-]*)?$/u;

/** `name` when it is a (qualified) XML name, and not a namespace declaration unless `declarations` allows it. */
export function xmlName(name: string, path: string, declarations = false): string {
  if (!XML_NAME.test(name) || (!declarations && /^xmlns(:|$)/.test(name))) throw new XsdWriteError(path, `'${name}' is not an attribute name XML allows here`);
  return name;
}

// Characters XML 1.0 cannot carry (most C0 controls, U+FFFE/U+FFFF, lone surrogates): refused, never replaced.
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function escapeText(text: string, path: string): string {
  if (INVALID.test(text)) throw new XsdWriteError(path, 'the text holds a character XML cannot carry');
  return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

export function unescapeText(text: string): string {
  return text.replace(/&(amp|lt|gt|#13);/g, (_, e: string) => (e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : '\r'));
}

export function escapeAttr(text: string, path = 'attribute'): string {
  if (INVALID.test(text)) throw new XsdWriteError(path, 'the value holds a character XML cannot carry');
  return text.replace(/[&<>"\r\n\t]/g, (c) => `&${ATTR_ENTITIES[c]};`);
}

const ATTR_ENTITIES: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', '\r': '#13', '\n': '#10', '\t': '#9' };
