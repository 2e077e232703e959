/**
 * # The Junction XML <-> JSON convention
 *
 * One convention, lossless by default: every XML document the bus accepts turns into a JSON value that builds back
 * into an equivalent document (same elements, attributes, text, CDATA sections and order where order can matter).
 * `libs/transform/XML-CONVENTION.md` is the same text with worked examples; keep the two in step.
 *
 * Elements
 * - An element is a key named with its qualified name as written, prefix kept: `soap:Envelope`, `ns1:Order`.
 *   Namespaces are not resolved: `a:Order` and `b:Order` bound to the same URI stay different keys.
 * - Unless the codec has `namespaces` (a route's `xml.namespaces`): then elements and attributes in those namespaces
 *   are keyed with the codec's prefixes whatever the document's, declarations renamed to match (xml-prefixes.ts).
 * - The document is an object holding the root element's key (and the declaration, below).
 * - An element with neither attributes nor content is `""`.
 * - An element with only text and no attributes is that text as a string. Text is never trimmed and a text-only
 *   element keeps even whitespace-only text (`<a> </a>` is `{"a": " "}`).
 * - Values always stay strings: no number or boolean guessing (`<n>007</n>` is `"007"`).
 *
 * Attributes
 * - An attribute is a key `@name`, namespace declarations included (`@xmlns`, `@xmlns:ns1`), in document order,
 *   before any content key. An element with attributes and text puts the text under `#text`; with attributes and no
 *   content it is an object of `@` keys only.
 *
 * Children
 * - Child elements become keys in document order. Repeated siblings with the same name become an array.
 * - A single child stays a plain value unless its dotted path from the root element (element names as written,
 *   e.g. `Orders.Order`, `soap:Envelope.soap:Body.ns1:Item`) is in the caller's `arrays` list: then it is always an
 *   array, also of one. An absent element stays absent (no empty array is invented).
 * - Whitespace-only text between child elements is indentation and is dropped.
 *
 * CDATA
 * - A CDATA section is kept as `{"#cdata": "..."}` so that it is written back as CDATA (with attributes: an
 *   object with `@` keys and `#cdata`).
 *
 * Mixed content and order
 * - When order cannot be told by keys, the element keeps its content as a list under `#mixed`:
 *   `"#mixed": ["text", {"b": ...}, {"#cdata": "..."}, ...]`. That happens when non-whitespace text sits next to
 *   child elements or CDATA, when an element holds several CDATA sections, or when child names are interleaved
 *   (`a, b, a`). In a `#mixed` list whose element has non-whitespace text, all text is kept exactly, whitespace-only
 *   runs included (they are words' separators there); with interleaved names only, indentation is still dropped.
 *   `arrays` paths do not apply to the entries of a `#mixed` list, since each entry is already one occurrence.
 *
 * Document
 * - An XML declaration is kept as `"?xml": {"@version": "1.0", "@encoding": "UTF-8"}` (first key).
 * - Comments and processing instructions other than the declaration are dropped. Text split by a dropped comment
 *   or instruction is joined. DOCTYPE and DTD declarations are refused (XML_DOCTYPE_FORBIDDEN).
 * - Entity references: only the five predefined ones and numeric character references are expanded; any other
 *   named reference is refused as malformed. Line ends are normalised to `\n` as XML requires.
 *
 * Plain JSON (XmlCodec.toJson, for `format: json` targets; xml-plain.ts) is a lossy view of this convention, never
 * what expressions see.
 *
 * Building XML from JSON (values not made by the parser too)
 * - Strings are text, numbers and booleans become their text, `null` becomes an empty element, `undefined` object
 *   members are skipped, arrays become repeated elements of the key's name.
 * - A top-level object with exactly one element key (besides `?xml`), whose value is not an array, is the root.
 *   Otherwise the caller's `root` name wraps the value; without one the build fails (XML_ROOT_REQUIRED).
 * - The declaration is written when the value has `?xml` or the caller asks for one; its encoding always says UTF-8
 *   because the bus writes UTF-8 bytes.
 * - Names that are not XML names, characters XML 1.0 cannot carry (NUL, most C0 controls, lone surrogates) and
 *   objects used as attribute values are refused (XML_UNREPRESENTABLE) rather than written as broken XML.
 * - Text escapes `&`, `<`, `>` and carriage return; attributes escape `&`, `<`, `"`, tab, line feed and carriage
 *   return, so values survive the XML parser's normalisation. CDATA content containing `]]>` is split in two
 *   sections.
 */

/** Key of the XML declaration in a parsed document. */
export const DECLARATION_KEY = '?xml';
/** Key of an element's text when it also has attributes. */
export const TEXT_KEY = '#text';
/** Key of a CDATA section. */
export const CDATA_KEY = '#cdata';
/** Key of the ordered content list of a mixed element. */
export const MIXED_KEY = '#mixed';
/** First character of attribute keys. */
export const ATTRIBUTE_PREFIX = '@';

/**
 * Safety limits applied to every parse, before any tree is built. Defaults: depth 100, 256 attributes per element,
 * 10 MiB. Breaching one is an InputError `XML_LIMIT` (400) naming the limit.
 */
export interface XmlLimits {
  /** Deepest element nesting (the root is depth 1). Also bounds JSON -> XML nesting. At most 1000. */
  readonly maxDepth?: number;
  /** Most attributes (namespace declarations included) on one element. */
  readonly maxAttributes?: number;
  /** Largest document in bytes (UTF-8 bytes for string input). */
  readonly maxBytes?: number;
}

/** Options of an XML codec, fixed when it is created. */
export interface XmlOptions {
  /** Dotted element paths from the root (`Orders.Order`) that are always arrays. */
  readonly arrays?: readonly string[];
  /**
   * Prefix -> namespace URI: elements and attributes in these namespaces are read under these prefixes whatever
   * prefixes the document uses (see xml-prefixes.ts). `arrays` paths name elements with these prefixes.
   */
  readonly namespaces?: Readonly<Record<string, string>>;
  readonly limits?: XmlLimits;
}

/** Options of one JSON -> XML build. */
export interface XmlBuildOptions {
  /** Root element name used when the value is not an object with exactly one element key. */
  readonly root?: string;
  /** Write an XML declaration: `true` always, `false` never, unset when the value carries `?xml`. */
  readonly declaration?: boolean;
}
