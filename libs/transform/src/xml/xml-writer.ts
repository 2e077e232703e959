import { InputError } from '@junction/core';
import { ATTRIBUTE_PREFIX, CDATA_KEY, DECLARATION_KEY, MIXED_KEY, TEXT_KEY, type XmlBuildOptions } from './xml-convention';
import { limitError } from './xml-guard';

/**
 * Writes XML from a JSON value under the convention (xml-convention.ts). Our own writer rather than a generic
 * builder because the convention's special keys, the escaping that must survive re-parsing, and refusing what XML
 * cannot carry are the whole job. Output is compact (no indentation), UTF-8 by declaration.
 */

// XML 1.0 (fifth edition) Name, with the colon allowed so that prefixed names pass as written.
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040]*$`, 'u');
// Characters outside XML 1.0's Char production; `\p{Cs}` in u-mode matches only unpaired surrogates.
const NOT_XML = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF';
const TEXT_SPECIAL = new RegExp(`[&<>\\r${NOT_XML}]|\\p{Cs}`, 'u');
const TEXT_SPECIAL_ALL = new RegExp(TEXT_SPECIAL.source, 'gu');
const ATTR_SPECIAL = new RegExp(`[&<"\\t\\n\\r${NOT_XML}]|\\p{Cs}`, 'u');
const ATTR_SPECIAL_ALL = new RegExp(ATTR_SPECIAL.source, 'gu');
const CDATA_INVALID = new RegExp(`[${NOT_XML}]|\\p{Cs}`, 'u');

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** A value that cannot be written; `path` is filled in while unwinding so the message says where. */
class WriteProblem extends Error {
  readonly path: string[] = [];
}

function invalidChar(c: string): WriteProblem {
  const code = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return new WriteProblem(`character U+${code} cannot appear in XML 1.0`);
}

function escapeChar(c: string): string {
  const escaped = ESCAPES[c];
  if (escaped === undefined) throw invalidChar(c);
  return escaped;
}

function escapeText(text: string): string {
  return mayNeedEscape(text, false) && TEXT_SPECIAL.test(text) ? text.replace(TEXT_SPECIAL_ALL, escapeChar) : text;
}

function escapeAttribute(text: string): string {
  return mayNeedEscape(text, true) && ATTR_SPECIAL.test(text) ? text.replace(ATTR_SPECIAL_ALL, escapeChar) : text;
}

/**
 * False when `text` holds nothing TEXT_SPECIAL (or ATTR_SPECIAL) matches: a plain loop, several times cheaper than
 * the Unicode-mode pattern on the short values most documents are made of. Any surrogate answers true (the pattern
 * then tells a lone one from a pair).
 */
function mayNeedEscape(text: string, attribute: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (attribute || (c !== 0x09 && c !== 0x0a)) return true;
    } else if (c === 0x26 || c === 0x3c || (attribute ? c === 0x22 : c === 0x3e) || (c >= 0xd800 && (c <= 0xdfff || c >= 0xfffe))) {
      return true;
    }
  }
  return false;
}

function cdata(text: string): string {
  const invalid = CDATA_INVALID.exec(text);
  if (invalid) throw invalidChar(invalid[0]);
  // `]]>` would end the section early: close after `]]` and reopen before `>`.
  const safe = text.includes(']]>') ? text.split(']]>').join(']]]]><![CDATA[>') : text;
  return `<![CDATA[${safe}]]>`;
}

/** The markup of one element name, made once per name: the pieces every element of that name is written with. */
interface Tag {
  /** `<name` */
  readonly start: string;
  /** `<name>` */
  readonly open: string;
  /** `</name>` */
  readonly close: string;
  /** `<name/>` */
  readonly empty: string;
}

// Names repeat from message to message: one pattern test and one set of tag strings per distinct name. Bounded in
// count and in each name's length, so that keys chosen by a sender (a thousand names of a megabyte each) cannot hold
// memory for good.
const TAGS = new Map<string, Tag>();
const TAGS_MAX = 10_000;
const CACHED_NAME_MAX_LENGTH = 128;

function tagOf(name: string): Tag {
  let tag = TAGS.get(name);
  if (tag !== undefined) return tag;
  if (!NAME.test(name)) throw new WriteProblem(`'${name}' is not a valid XML name`);
  tag = { start: `<${name}`, open: `<${name}>`, close: `</${name}>`, empty: `<${name}/>` };
  if (name.length <= CACHED_NAME_MAX_LENGTH && TAGS.size < TAGS_MAX) TAGS.set(name, tag);
  return tag;
}

// Attribute names: the ` name="` that starts each, made once per name as tags are.
const ATTRIBUTE_STARTS = new Map<string, string>();

function attributeStart(key: string): string {
  let start = ATTRIBUTE_STARTS.get(key);
  if (start !== undefined) return start;
  const name = key.slice(ATTRIBUTE_PREFIX.length);
  if (!NAME.test(name)) throw new WriteProblem(`'${name}' is not a valid XML name`);
  start = ` ${name}="`;
  if (key.length <= CACHED_NAME_MAX_LENGTH && ATTRIBUTE_STARTS.size < TAGS_MAX) ATTRIBUTE_STARTS.set(key, start);
  return start;
}

function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null) return '';
      if (value instanceof Date) return value.toISOString();
      throw new WriteProblem(`${Array.isArray(value) ? 'a list' : 'an object'} cannot be written as text or an attribute value`);
    default:
      throw new WriteProblem(`a ${typeof value} cannot be written as XML`);
  }
}

/**
 * Writes one JSON value as an XML document. Throws InputError `XML_ROOT_REQUIRED` (422) when no root name can be
 * found, `XML_UNREPRESENTABLE` (422) for names, characters or shapes XML cannot carry, `XML_LIMIT` when nesting
 * passes `maxDepth` (which also stops cyclic values).
 */
export function writeXml(value: unknown, options: XmlBuildOptions, maxDepth: number): string {
  let declaration: unknown;
  let rootName: string | undefined;
  let rootValue: unknown = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
    const object = value as Record<string, unknown>;
    declaration = object[DECLARATION_KEY];
    let only: string | undefined;
    let count = 0;
    for (const key of Object.keys(object)) {
      if (key === DECLARATION_KEY || object[key] === undefined) continue;
      count++;
      only = key;
    }
    if (count === 1 && isElementKey(only!) && !Array.isArray(object[only!])) {
      rootName = only;
      rootValue = object[only!];
    } else if (declaration !== undefined) {
      const { [DECLARATION_KEY]: _dropped, ...rest } = object;
      rootValue = rest;
    }
  }
  rootName ??= options.root;
  if (rootName === undefined) {
    throw new InputError(
      'XML_ROOT_REQUIRED',
      'Cannot write XML: the value is not an object with exactly one element key, and no root element name was given',
      422,
    );
  }
  try {
    if (Array.isArray(rootValue)) throw new WriteProblem('a list at the top would give several root elements');
    const writer = new Writer(maxDepth);
    if (options.declaration ?? declaration !== undefined) writer.declaration(declaration);
    writer.element(rootName, rootValue, 1);
    return writer.out;
  } catch (err) {
    if (!(err instanceof WriteProblem)) throw err;
    const where = err.path.length > 0 ? ` at ${err.path.join('/')}` : '';
    throw new InputError('XML_UNREPRESENTABLE', `Cannot write XML: ${err.message}${where}`, 422, err);
  }
}

function isElementKey(key: string): boolean {
  const c = key.charCodeAt(0);
  return c !== 0x40 /* @ */ && c !== 0x23 /* # */;
}

/**
 * Appends the output to one string: V8 keeps the appends as a rope that is flattened once, when the string is turned
 * into bytes, which costs less than pushing pieces to an array and joining them, and far less than concatenating
 * nested strings (which dominated the cost of writing large documents).
 */
class Writer {
  out = '';
  /** Texts appended so far (`#text` values and `#mixed` text entries), empty ones included. */
  private texts = 0;

  constructor(private readonly maxDepth: number) {}

  declaration(declaration: unknown): void {
    if (typeof declaration !== 'object' || declaration === null) {
      this.out += '<?xml version="1.0" encoding="UTF-8"?>\n';
      return;
    }
    const attrs = declaration as Record<string, unknown>;
    const version = attrs['@version'] === undefined ? '1.0' : scalarText(attrs['@version']);
    let out = `<?xml version="${escapeAttribute(version)}"`;
    // The bus always writes UTF-8 bytes, whatever encoding the source document declared.
    if (attrs['@encoding'] !== undefined) out += ' encoding="UTF-8"';
    if (attrs['@standalone'] !== undefined) out += ` standalone="${escapeAttribute(scalarText(attrs['@standalone']))}"`;
    this.out += `${out}?>\n`;
  }

  element(name: string, value: unknown, depth: number): void {
    if (Array.isArray(value)) {
      for (const item of value) this.element(name, item, depth);
      return;
    }
    if (depth > this.maxDepth) {
      throw limitError('maxDepth', this.maxDepth, `the value nests deeper than ${this.maxDepth} elements`);
    }
    try {
      const tag = tagOf(name);
      if (typeof value === 'string') {
        this.out += value === '' ? tag.empty : tag.open + escapeText(value) + tag.close;
      } else if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
        this.object(tag, value as Record<string, unknown>, depth);
      } else {
        const text = value === undefined ? '' : scalarText(value);
        this.out += text === '' ? tag.empty : tag.open + escapeText(text) + tag.close;
      }
    } catch (err) {
      if (err instanceof WriteProblem) err.path.unshift(name);
      throw err;
    }
  }

  private object(tag: Tag, object: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(object);
    let start = tag.start;
    let content = false;
    // Attributes first, wherever their keys sit in an object that did not come from the parser.
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = object[key];
      if (value === undefined) continue;
      if (key.charCodeAt(0) === 0x40 /* @ */) start += attributeStart(key) + escapeAttribute(scalarText(value)) + '"';
      else content = true;
    }
    if (!content) {
      this.out += start + '/>';
      return;
    }
    // An element whose content comes out as nothing or as one empty text (`#text` of '', an empty `#mixed`) is
    // written as an empty element after all; two empty texts or more make `<a></a>`, as they always have.
    const before = this.out;
    const opened = before + start + '>';
    const texts = this.texts;
    this.out = opened;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = object[key];
      if (value === undefined || key.charCodeAt(0) === 0x40) continue;
      if (key === TEXT_KEY) this.text(value);
      else if (key === CDATA_KEY) this.out += cdata(scalarText(value));
      else if (key === MIXED_KEY) this.mixed(value, depth);
      else this.element(key, value, depth + 1);
    }
    if (this.out.length === opened.length && this.texts - texts <= 1) this.out = before + start + '/>';
    else this.out += tag.close;
  }

  private text(value: unknown): void {
    this.out += escapeText(scalarText(value));
    this.texts++;
  }

  private mixed(items: unknown, depth: number): void {
    if (!Array.isArray(items)) throw new WriteProblem(`${MIXED_KEY} must be a list`);
    for (const item of items) {
      if (item === null || item === undefined) continue;
      if (typeof item !== 'object' || item instanceof Date) {
        this.text(item);
        continue;
      }
      if (Array.isArray(item)) throw new WriteProblem(`a ${MIXED_KEY} entry cannot be a list`);
      for (const key of Object.keys(item)) {
        const value = (item as Record<string, unknown>)[key];
        if (value === undefined) continue;
        if (key === CDATA_KEY) this.out += cdata(scalarText(value));
        else if (key === TEXT_KEY) this.text(value);
        else if (isElementKey(key)) this.element(key, value, depth + 1);
        else throw new WriteProblem(`'${key}' cannot appear in a ${MIXED_KEY} entry`);
      }
    }
  }
}
