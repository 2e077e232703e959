import type { InputError } from '@junction/core';
import { CDATA_KEY, DECLARATION_KEY, MIXED_KEY, TEXT_KEY } from './xml-convention';
import { decodeReferences } from './xml-entities';
import { type ResolvedXmlLimits, attributesError, bangMarkupError, depthError } from './xml-guard';
import type { PrefixScope } from './xml-prefixes';
import { type ArrayPathNode, type ArrayPaths, setOwn } from './xml-reader';

/**
 * The one-pass reader: builds the convention's tree (xml-convention.ts) straight from the decoded text, checking the
 * hardening limits as it goes, with no intermediate tree and no second scan.
 *
 * It reads the strict, common subset of XML itself and leaves everything else to the reference reader
 * (xml-reference-reader.ts) by returning undefined: malformed input (which the reference reader refuses with the
 * validator's own words), and the rare shapes where the reference path has quirks of its own (markup after the root,
 * a PI holding quotes, references the validator and the decoder read differently). It throws itself only the
 * hardening refusals, DTDs (XML_DOCTYPE_FORBIDDEN), `maxDepth` and `maxAttributes` (XML_LIMIT), with the prescan's
 * messages: where it meets one, everything before it was well-formed, so the prescan would have thrown the same
 * error at the same place, and a hostile document costs one pass up to the point of refusal. Everything it returns
 * equals what the reference reader returns for the same text (the differential spec checks that).
 */
export function scanXml(
  text: string,
  limits: ResolvedXmlLimits,
  paths: ArrayPaths | undefined,
  scope: PrefixScope | undefined,
): Record<string, unknown> | undefined {
  try {
    return new Scanner(text, limits, paths, scope).document();
  } catch (err) {
    if (err instanceof Refusal) throw err.error;
    // Anything else (a reference the decoder refuses, an undeclared prefix) is the reference reader's to word.
    return undefined;
  }
}

/** A hardening refusal, carried out of the scan past the catch-all above. */
class Refusal {
  constructor(readonly error: InputError) {}
}

/** Thrown to hand the document to the reference reader. */
const HAND_OVER = Symbol('hand over');

/** A child element read, waiting for its parent to close (the parent's shape is known only then). */
class Child {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly path: ArrayPathNode | undefined,
  ) {}
}

/** A CDATA section read. */
class Cdata {
  constructor(readonly value: string) {}
}

/** An open element. Its content stays a plain string until a child or CDATA shows up. */
interface Frame {
  readonly qname: string;
  readonly key: string;
  readonly attributes: Record<string, unknown> | undefined;
  readonly scope: PrefixScope | undefined;
  readonly path: ArrayPathNode | undefined;
  /** Text since the last child or CDATA, decoded (comments and PIs do not split it). */
  text: string;
  /** Text runs, children and CDATA in order; undefined while the element holds only text. */
  items: (string | Child | Cdata)[] | undefined;
  realText: boolean;
  elements: number;
  cdata: number;
  interleaved: boolean;
  previous: string | undefined;
  seen: Set<string> | undefined;
}

// The validator's XML name (fast-xml-parser's util.js), for names that are not plain ASCII.
const NAME_START = ':A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME_CHAR = NAME_START + '\\-.\\d\\u00B7\\u0300-\\u036F\\u203F-\\u2040';
const NAME = new RegExp(`^[${NAME_START}][${NAME_CHAR}]*$`);
// The references the validator and the decoder both read as references; any other `&` in text is handed over.
const TEXT_REFERENCE = /&(?:#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z_][A-Za-z0-9_]{0,19});/y;
// fast-xml-parser's attribute pattern, for the declaration, whose pseudo-attributes no validator checks.
const JS_SPACE = /\s/;
const DECLARATION_ATTRIBUTE = /([^\s=]+)\s*(=\s*(?:"([^"]*)"|'([^']*)'))?/g;

class Scanner {
  private readonly len: number;
  private readonly crlf: boolean;

  constructor(
    private readonly text: string,
    private readonly limits: ResolvedXmlLimits,
    private readonly paths: ArrayPaths | undefined,
    private readonly rootScope: PrefixScope | undefined,
  ) {
    this.len = text.length;
    this.crlf = text.indexOf('\r') !== -1;
  }

  document(): Record<string, unknown> {
    const { text, len } = this;
    const doc: Record<string, unknown> = {};
    const stack: Frame[] = [];
    let top: Frame | undefined;
    let rootDone = false;
    let pos = 0;
    for (;;) {
      const lt = text.indexOf('<', pos);
      const stop = lt === -1 ? len : lt;
      if (stop > pos) {
        if (top) this.addText(top, text.slice(pos, stop));
        else if (!isBlank(text, pos, stop)) throw HAND_OVER; // text outside the root
      }
      if (lt === -1) break;
      const c1 = text.charCodeAt(lt + 1);
      if (c1 === 0x2f /* / */) {
        if (!top) throw HAND_OVER;
        const { qname } = top;
        let end = lt + 2 + qname.length;
        if (!text.startsWith(qname, lt + 2)) throw HAND_OVER;
        while (end < len && isSpace(text.charCodeAt(end))) end++;
        if (text.charCodeAt(end) !== 0x3e /* > */) throw HAND_OVER;
        const value = this.finish(top);
        const closed = top;
        stack.pop();
        top = stack.length > 0 ? stack[stack.length - 1] : undefined;
        if (top) this.addChild(top, closed.key, value, closed.path);
        else {
          setOwn(doc, closed.key, value);
          rootDone = true;
        }
        pos = end + 1;
      } else if (c1 === 0x3f /* ? */) {
        pos = this.instruction(lt, doc);
      } else if (c1 === 0x21 /* ! */) {
        if (text.startsWith('--', lt + 2)) {
          const end = text.indexOf('-->', lt + 4);
          if (end === -1) throw HAND_OVER;
          pos = end + 3; // a comment: dropped, the text around it joined
        } else if (text.startsWith('[CDATA[', lt + 2)) {
          const end = text.indexOf(']]>', lt + 9);
          if (end === -1 || !top) throw HAND_OVER;
          this.flushText(top);
          top.cdata++;
          (top.items ??= []).push(new Cdata(this.normalised(text.slice(lt + 9, end))));
          pos = end + 3;
        } else {
          throw new Refusal(bangMarkupError(text, lt));
        }
      } else {
        if (rootDone) throw HAND_OVER; // a second root
        pos = this.startTag(lt, stack);
        const opened = stack.length > 0 ? stack[stack.length - 1] : undefined;
        if (opened !== top) {
          top = opened; // a start tag: its frame is now on top
        } else if (!top) {
          rootDone = true; // a self-closing root (startTag put it into the document)
          setOwn(doc, this.selfClosedKey!, this.selfClosedValue);
        } else {
          this.addChild(top, this.selfClosedKey!, this.selfClosedValue, this.selfClosedPath);
        }
      }
    }
    if (top || !rootDone) throw HAND_OVER;
    return doc;
  }

  // A self-closing element read by startTag, for the caller to place.
  private selfClosedKey: string | undefined;
  private selfClosedValue: unknown;
  private selfClosedPath: ArrayPathNode | undefined;

  /** Reads the start tag at `lt`; pushes its frame, or leaves a self-closing element in `selfClosed*`. */
  private startTag(lt: number, stack: Frame[]): number {
    const { text, len, limits } = this;
    let i = lt + 1;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c === 0x3e || c === 0x2f || isSpace(c)) break;
      i++;
    }
    const qname = text.slice(lt + 1, i);
    if (!isName(qname)) throw HAND_OVER;
    let attributes: Record<string, unknown> | undefined;
    let count = 0;
    let selfClosing = false;
    let spaced = false;
    for (;;) {
      if (i >= len) throw HAND_OVER;
      const c = text.charCodeAt(i);
      if (isSpace(c)) {
        spaced = true;
        i++;
        continue;
      }
      if (c === 0x3e /* > */) break;
      if (c === 0x2f /* / */) {
        if (text.charCodeAt(i + 1) !== 0x3e) throw HAND_OVER;
        selfClosing = true;
        i++;
        break;
      }
      // An attribute: name, `=`, quoted value, each attribute after whitespace.
      if (!spaced) throw HAND_OVER;
      const nameStart = i;
      while (i < len) {
        const d = text.charCodeAt(i);
        if (d === 0x3d /* = */ || d === 0x3e || d === 0x2f || isSpace(d)) break;
        i++;
      }
      const name = text.slice(nameStart, i);
      if (!isName(name)) throw HAND_OVER;
      while (i < len && isSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== 0x3d) throw HAND_OVER;
      i++;
      while (i < len && isSpace(text.charCodeAt(i))) i++;
      const quote = text.charCodeAt(i);
      if (quote !== 0x22 && quote !== 0x27) throw HAND_OVER;
      const close = text.indexOf(quote === 0x22 ? '"' : "'", i + 1);
      if (close === -1) throw HAND_OVER;
      if (++count > limits.maxAttributes) throw new Refusal(attributesError(limits, text, lt));
      const key = '@' + name;
      attributes ??= {};
      if (attributes[key] !== undefined) throw HAND_OVER; // a repeated attribute
      attributes[key] = this.attributeValue(text.slice(i + 1, close));
      i = close + 1;
      spaced = false;
    }
    if (stack.length >= limits.maxDepth) throw new Refusal(depthError(limits, text, lt));

    const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
    const outer = parent ? parent.scope : this.rootScope;
    let scope: PrefixScope | undefined;
    let key = qname;
    if (outer) {
      [scope, attributes] = outer.enter(attributes);
      key = scope.element(qname);
    }
    const path = parent ? parent.path?.children.get(key) : this.paths?.get(key);
    if (selfClosing) {
      this.selfClosedKey = key;
      this.selfClosedValue = attributes ?? '';
      this.selfClosedPath = path;
    } else {
      stack.push({
        qname, key, attributes, scope, path,
        text: '', items: undefined, realText: false, elements: 0, cdata: 0, interleaved: false, previous: undefined, seen: undefined,
      });
    }
    return i + 1;
  }

  /** A processing instruction at `lt`: the declaration at the very start is kept, others are dropped. */
  private instruction(lt: number, doc: Record<string, unknown>): number {
    const { text } = this;
    const end = text.indexOf('?>', lt + 2);
    if (end === -1) throw HAND_OVER;
    let t = lt + 2;
    while (t < end && !isSpace(text.charCodeAt(t))) t++;
    const target = text.slice(lt + 2, t);
    // The parser ends the target at any JavaScript whitespace (so `<?xml\u00a0?>` is a declaration to it).
    if (JS_SPACE.test(target)) throw HAND_OVER;
    // The parser skips quoted values looking for `?>`, the validator and the prescan do not: they must agree.
    if (!this.quotedEnd(lt, end)) throw HAND_OVER;
    if (target !== 'xml') return end + 2;
    if (lt !== 0) throw HAND_OVER; // a declaration elsewhere
    const declaration: Record<string, unknown> = {};
    const body = this.normalised(text.slice(t, end));
    DECLARATION_ATTRIBUTE.lastIndex = 0;
    for (let m = DECLARATION_ATTRIBUTE.exec(body); m !== null; m = DECLARATION_ATTRIBUTE.exec(body)) {
      const value = m[3] ?? m[4];
      if (value !== undefined) declaration['@' + m[1]] = decodeReferences(value);
    }
    doc[DECLARATION_KEY] = declaration;
    return end + 2;
  }

  /** True when fast-xml-parser, skipping quoted values, ends the instruction at `<` `lt` on the `?>` at `end` too. */
  private quotedEnd(lt: number, end: number): boolean {
    const { text, len } = this;
    for (let k = lt + 1; k < len; k++) {
      const c = text.charCodeAt(k);
      if (c === 0x22 || c === 0x27) {
        k = text.indexOf(c === 0x22 ? '"' : "'", k + 1);
        if (k === -1 || k > end) return false;
      } else if (c === 0x3f && text.charCodeAt(k + 1) === 0x3e) {
        return k === end;
      }
    }
    return false;
  }

  private attributeValue(raw: string): string {
    return decodeReferences(this.normalised(raw));
  }

  /** Line ends normalised to `\n`, as the reference parser does to the whole text first. */
  private normalised(raw: string): string {
    return this.crlf && raw.indexOf('\r') !== -1 ? raw.replace(/\r\n?/g, '\n') : raw;
  }

  private addText(frame: Frame, raw: string): void {
    let text = this.normalised(raw);
    let amp = text.indexOf('&');
    if (amp !== -1) {
      while (amp !== -1) {
        TEXT_REFERENCE.lastIndex = amp;
        if (!TEXT_REFERENCE.test(text)) throw HAND_OVER;
        amp = text.indexOf('&', TEXT_REFERENCE.lastIndex);
      }
      text = decodeReferences(text);
    }
    frame.text = frame.text === '' ? text : frame.text + text;
  }

  /** Ends the current text run before a child or CDATA. */
  private flushText(frame: Frame): void {
    const { text } = frame;
    if (text === '') return;
    if (!frame.realText && !isBlank(text, 0, text.length)) frame.realText = true;
    (frame.items ??= []).push(text);
    frame.text = '';
  }

  private addChild(parent: Frame, key: string, value: unknown, path: ArrayPathNode | undefined): void {
    this.flushText(parent);
    parent.elements++;
    if (key !== parent.previous) {
      if (parent.previous !== undefined) {
        (parent.seen ??= new Set()).add(parent.previous);
        if (parent.seen.has(key)) parent.interleaved = true;
      }
      parent.previous = key;
    }
    (parent.items ??= []).push(new Child(key, value, path));
  }

  /** The value of a closing element, shaped as xml-reader.ts's readElement shapes it. */
  private finish(frame: Frame): unknown {
    const { attributes } = frame;
    if (frame.items === undefined) {
      const { text } = frame;
      if (!attributes) return text;
      if (text !== '') attributes[TEXT_KEY] = text;
      return attributes;
    }
    this.flushText(frame);
    const items = frame.items;
    const result = attributes ?? {};
    if (frame.realText || frame.interleaved || frame.cdata > 1 || (frame.cdata === 1 && frame.elements > 0)) {
      result[MIXED_KEY] = mixed(items, frame.realText);
    } else if (frame.elements === 0) {
      result[CDATA_KEY] = (items.find((item) => item instanceof Cdata) as Cdata).value;
    } else {
      let lastKey: string | undefined;
      let last: unknown;
      for (const item of items) {
        if (!(item instanceof Child)) continue;
        const { key, value } = item;
        if (key === lastKey) {
          if (Array.isArray(last)) last.push(value);
          else setOwn(result, key, (last = [last, value]));
        } else {
          lastKey = key;
          last = item.path?.forced ? [value] : value;
          setOwn(result, key, last);
        }
      }
    }
    return result;
  }
}

/** `#mixed` form: text (only when the element has real text), elements and CDATA in document order. */
function mixed(items: readonly (string | Child | Cdata)[], keepText: boolean): unknown[] {
  const out: unknown[] = [];
  let text = '';
  for (const item of items) {
    if (typeof item === 'string') {
      if (keepText) text += item;
      continue;
    }
    if (text !== '') {
      out.push(text);
      text = '';
    }
    // A computed key defines an own property even for `__proto__`.
    out.push(item instanceof Cdata ? { [CDATA_KEY]: item.value } : { [item.key]: item.value });
  }
  if (text !== '') out.push(text);
  return out;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

/** XML whitespace only, between `from` and `to`. */
function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * The validator's name rule. Plain ASCII names are checked by hand; others by its pattern, minus U+FEFF, which the
 * pattern allows but the parser reads as whitespace.
 */
function isName(name: string): boolean {
  const n = name.length;
  if (n === 0) return false;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
    if (letter) continue;
    if (i > 0 && ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e)) continue;
    return false;
  }
  // U+FEFF and U+1680 are name characters to the validator but white space to the parser's `\s`, which splits the
  // name there: such a name goes to the reference reading, so the two readings stay the same.
  return ascii || (NAME.test(name) && name.indexOf('\ufeff') === -1 && name.indexOf('\u1680') === -1);
}
