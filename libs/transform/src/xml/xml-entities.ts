/**
 * Entity handling for the XML parser: the five predefined entities and numeric character references, nothing else.
 * There is no DTD (the guard refuses it), so no entity can be declared and none can expand into more markup: a
 * billion-laughs payload has nothing to expand. A named reference other than the five is a well-formedness error,
 * reported as malformed rather than left in the text.
 */

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
// Sticky: tried at each '&' in turn.
const REFERENCE = /&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_:][\w.:-]*);/y;

/** A reference the decoder refused; the codec turns it into XML_MALFORMED with a position. */
export class XmlReferenceError extends Error {
  constructor(readonly reference: string, problem: string) {
    super(`${problem} ${reference}`);
  }
}

function replaceReference(whole: string, body: string): string {
  if (body.charCodeAt(0) !== 0x23 /* # */) {
    if (!Object.hasOwn(PREDEFINED, body)) throw new XmlReferenceError(whole, 'undefined entity');
    return PREDEFINED[body];
  }
  const code = body.charCodeAt(1) === 0x78 /* x */ ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
  if (!isXmlChar(code)) throw new XmlReferenceError(whole, 'character reference to a character XML does not allow:');
  return String.fromCodePoint(code);
}

/** The XML 1.0 `Char` production. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/**
 * Replaces the references in one text or attribute value; a lone `&` is left as it is. The text is cut into pieces
 * joined once: `String.replace` with a callback held about 190 bytes per reference until it returned (a 9 MB run of
 * `&amp;` took 340 MB), while a piece costs a pointer, the one-character replacements being V8's shared strings.
 */
export function decodeReferences(text: string): string {
  let amp = text.indexOf('&');
  if (amp === -1) return text;
  const pieces: string[] = [];
  let from = 0;
  while (amp !== -1) {
    REFERENCE.lastIndex = amp;
    const match = REFERENCE.exec(text);
    if (match === null) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    if (amp > from) pieces.push(text.slice(from, amp));
    pieces.push(replaceReference(match[0], match[1]));
    from = REFERENCE.lastIndex;
    amp = text.indexOf('&', from);
  }
  if (from < text.length) pieces.push(text.slice(from));
  return pieces.join('');
}

/**
 * The shape fast-xml-parser expects of its `entityDecoder` option. The decoder is stateless, so one instance serves
 * every parser; the DTD hooks are never reached because the guard refuses DTDs first.
 */
export const xmlEntityDecoder = Object.freeze({
  setExternalEntities(): void {},
  addInputEntities(): void {},
  reset(): void {},
  setXmlVersion(): void {},
  decode: decodeReferences,
});
