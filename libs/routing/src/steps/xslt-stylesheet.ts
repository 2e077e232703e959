import { readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { type XmlCodec, decodeXmlInput } from '@junction/transform';
import type { XDocument, XNode } from 'xslt-processor';

const XSL_NS = 'http://www.w3.org/1999/XSL/Transform';
const ELEMENT = 1;
const ATTRIBUTE = 2;
/** A URI with a scheme (http:, https:, file:, ftp:...): never fetched. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** A document() call whose first argument is a string literal. */
const DOCUMENT_CALL = /\bdocument\s*\(\s*(?:"([^"]*)"|'([^']*)')/g;

/** The output methods of XSLT 1.0 and the content type of the body each one makes. */
const OUTPUT_TYPES: Readonly<Record<string, string>> = {
  xml: 'application/xml',
  html: 'text/html; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

/** A stylesheet read, checked and parsed once, at route load, with every file it includes or imports. */
export interface LoadedStylesheet {
  /** The parsed main stylesheet; read-only during transforms. */
  readonly root: XDocument;
  /** `xsl:include` / `xsl:import` hrefs as written, to the stylesheet text they name (checked, inside the folder). */
  readonly modules: ReadonlyMap<string, string>;
  /** The folder `document()` URIs are resolved from: the main stylesheet's. */
  readonly dir: string;
  /** The route folder (real path) that every file read must be inside. */
  readonly folder: string;
  /** `xml`, `html` or `text`, from the last `xsl:output`. */
  readonly method: string;
  /** The body's content type: the `xsl:output` media-type, or the method's. */
  readonly contentType: string;
}

/** A refusal at load, with the stylesheet file and line it stands at when known. */
export class StylesheetProblem extends Error {}

/**
 * Reads the stylesheet `file` (relative to `baseDir`, the route folder) and the files it includes or imports. Each
 * must be a file inside the route folder (symbolic links resolved), hold no DOCTYPE or other DTD declaration (the
 * codec's screen), and be well-formed; an href or a literal `document()` URI with a scheme (http:, file:...) or that
 * leaves the folder is refused. Throws StylesheetProblem naming the file and line.
 */
export function loadStylesheet(baseDir: string, file: string, codec: XmlCodec): LoadedStylesheet {
  const folder = realFolder(baseDir);
  // Loaded by the first stylesheet (a route with an XSLT step), not with the bus.
  const { XmlParser } = require('xslt-processor') as typeof import('xslt-processor');
  const parser = new XmlParser();
  const modules = new Map<string, string>();
  const outputs: XNode[] = [];
  const seen = new Set<string>();

  const read = (path: string, shown: string): { root: XDocument; text: string } => {
    let text: string;
    try {
      const bytes = readInside(folder, path, shown);
      // The codec's own refusals (DTD, limits, well-formedness), then its decoding by the encoding declaration.
      codec.parse(bytes);
      text = decodeXmlInput(bytes, codec.limits.maxBytes);
    } catch (err) {
      if (err instanceof StylesheetProblem) throw err;
      throw new StylesheetProblem(`stylesheet ${shown}: ${(err as Error).message}`);
    }
    let root: XDocument;
    try {
      root = parser.xmlParse(text);
    } catch (err) {
      throw new StylesheetProblem(`stylesheet ${shown}: ${(err as Error).message}`);
    }
    const top = documentElement(root);
    if (!top || top.namespaceUri !== XSL_NS || (top.localName !== 'stylesheet' && top.localName !== 'transform')) {
      throw new StylesheetProblem(`stylesheet ${shown}: the root element is not xsl:stylesheet or xsl:transform`);
    }
    for (const element of elements(top)) {
      for (const attr of attributes(element)) {
        for (const call of String(attr.nodeValue).matchAll(DOCUMENT_CALL)) {
          const uri = call[1] ?? call[2];
          if (uri) checkUri(folder, dirname(path), uri, `document('${uri}')`, shown, text);
        }
      }
      if (element.namespaceUri !== XSL_NS || element.parentNode !== top) continue;
      if (element.localName === 'output') outputs.push(element);
      if (element.localName !== 'include' && element.localName !== 'import') continue;
      const href = attributeValue(element, 'href');
      const what = `xsl:${element.localName}`;
      if (!href) throw new StylesheetProblem(`stylesheet ${shown}: ${what} without href`);
      const target = checkUri(folder, dirname(path), href, `${what} href="${href}"`, shown, text);
      const known = modules.get(href);
      if (seen.has(target)) {
        if (known === undefined) throw new StylesheetProblem(`stylesheet ${shown}: ${what} href="${href}" names a stylesheet already read under another href, or one that includes it`);
        continue;
      }
      if (known !== undefined) throw new StylesheetProblem(`stylesheet ${shown}: ${what} href="${href}" names another file than the same href elsewhere`);
      seen.add(target);
      modules.set(href, read(target, href).text);
    }
    return { root, text };
  };

  const main = resolve(baseDir, file);
  seen.add(main);
  const { root } = read(main, file);
  const output = outputs.at(-1);
  const method = (output && attributeValue(output, 'method')) || 'xml';
  if (!(method in OUTPUT_TYPES)) throw new StylesheetProblem(`stylesheet ${file}: xsl:output method="${method}" is not one of xml, html, text`);
  const mediaType = output && attributeValue(output, 'media-type');
  const contentType = mediaType ? (method === 'xml' || /charset=/i.test(mediaType) ? mediaType : `${mediaType}; charset=utf-8`) : OUTPUT_TYPES[method]!;
  return { root, modules, dir: dirname(main), folder, method, contentType };
}

/**
 * The file a `document()` URI names at run time, or the reason it is refused: a scheme, or a path leaving the route
 * folder. Relative URIs resolve from the main stylesheet's folder.
 */
export function documentPath(stylesheet: LoadedStylesheet, uri: string): { path: string } | { refused: string } {
  if (SCHEME.test(uri)) return { refused: `document('${uri}'): only files inside the route folder are read` };
  const path = resolve(stylesheet.dir, uri);
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    return { refused: `document('${uri}'): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  if (!inside(stylesheet.folder, real)) return { refused: `document('${uri}'): only files inside the route folder are read` };
  return { path: real };
}

function checkUri(folder: string, from: string, uri: string, what: string, shown: string, text: string): string {
  const at = lineOf(text, uri);
  if (SCHEME.test(uri)) throw new StylesheetProblem(`stylesheet ${shown}${at}: ${what} is refused: only files inside the route folder are read`);
  const path = resolve(from, uri);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    real = path;
  }
  if (!inside(folder, real)) throw new StylesheetProblem(`stylesheet ${shown}${at}: ${what} is refused: it leaves the route folder`);
  return real;
}

function readInside(folder: string, path: string, shown: string): Buffer {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    throw new StylesheetProblem(`cannot read stylesheet ${shown}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!inside(folder, real)) throw new StylesheetProblem(`stylesheet ${shown} is refused: it is outside the route folder`);
  return readFileSync(real);
}

function realFolder(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function lineOf(text: string, needle: string): string {
  const index = text.indexOf(needle);
  if (index < 0) return '';
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return `:${line}`;
}

function documentElement(doc: XNode): XNode | undefined {
  return doc.childNodes.find((n) => n.nodeType === ELEMENT);
}

function* elements(node: XNode): Generator<XNode> {
  yield node;
  for (const child of node.childNodes) if (child.nodeType === ELEMENT) yield* elements(child);
}

function attributes(node: XNode): XNode[] {
  return node.childNodes.filter((n) => n.nodeType === ATTRIBUTE);
}

function attributeValue(node: XNode, name: string): string | undefined {
  const attr = attributes(node).find((a) => a.nodeName === name);
  return attr === undefined ? undefined : String(attr.nodeValue);
}
