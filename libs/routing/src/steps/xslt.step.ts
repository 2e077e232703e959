import { readFileSync } from 'node:fs';
import type { XsltStepDef } from '@junction/config';
import { StepError } from '@junction/core';
import { type CompiledExpression, bodyFromBytes, charsetOf, decodeXmlInput } from '@junction/transform';
import type { XNode, Xslt } from 'xslt-processor';
import type { Transformer } from '../compiled-route';
import { type CompileContext, type DefPath, fail } from '../compile-context';
import { evaluateOn, expressionAt } from './expressions';
import { type LoadedStylesheet, StylesheetProblem, documentPath, loadStylesheet } from './xslt-stylesheet';

/**
 * The `xslt` step: an XSLT 1.0 stylesheet (xslt-processor, pure JavaScript) applied to the XML body. The stylesheet
 * and what it includes or imports are read, checked and parsed once, at load (see loadStylesheet); a stylesheet that
 * cannot be used is a located problem of the route. Per message: the body passes the route codec's checks (no DTD,
 * the XML limits, well-formed) before the processor sees it; `params` are evaluated on the message and given as
 * top-level xsl:params; `document()` reads only files inside the route folder (each checked by its real path, each
 * read once); the result must be well-formed XML (for method xml) and becomes the body, or text/HTML with
 * `xsl:output method="text"` / `"html"`. A failing transform throws StepError (not retried: the same message fails
 * the same way).
 */
export function compileXslt(ctx: CompileContext, def: XsltStepDef, path: DefPath): Transformer | undefined {
  const file = typeof def === 'string' ? def : def.stylesheet;
  let stylesheet: LoadedStylesheet;
  try {
    stylesheet = loadStylesheet(ctx.baseDir, file, ctx.codec);
  } catch (err) {
    if (err instanceof StylesheetProblem) return fail(ctx, typeof def === 'string' ? path : [...path, 'stylesheet'], err.message);
    throw err;
  }
  const params: Array<[string, CompiledExpression]> = [];
  if (typeof def !== 'string') {
    for (const [name, source] of Object.entries(def.params ?? {})) {
      const expr = expressionAt(ctx, source, [...path, 'params', name]);
      if (!expr) return undefined;
      params.push([name, expr]);
    }
  }
  const { codec, routeId } = ctx;
  // The processor (about 1 MB of heap) is loaded by the first route with an XSLT step, not with the bus.
  const { XmlParser, Xslt } = require('xslt-processor') as typeof import('xslt-processor');
  const parser = new XmlParser();
  const documents = new Map<string, string>();
  const text = stylesheet.method === 'text';
  return async (m) => {
    if (m.body.format !== 'xml') throw new StepError('xslt', `the body is not XML (${m.body.contentType}): convert it first`);
    const bytes = m.body.bytes();
    const charset = charsetOf(m.body.contentType);
    await codec.checkAsync(bytes, { charset });
    const input = parser.xmlParse(decodeXmlInput(bytes, codec.limits.maxBytes, { charset }));
    const parameters: Array<{ name: string; value: string | number | boolean }> = [];
    for (const [name, expr] of params) {
      const value = await evaluateOn(expr, m, routeId);
      if (value === undefined || value === null) continue;
      parameters.push({ name, value: typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value) });
    }
    const refused: string[] = [];
    const processor = new Xslt({
      // Each option spelled out: the processor turns an option left out into false, escaping included.
      escape: !text,
      cData: true,
      selfClosingTags: true,
      parameters,
      fetchFunction: async (href) => {
        const module = stylesheet.modules.get(href);
        if (module === undefined) throw new StepError('xslt', `${href} was not read at load`);
        return module;
      },
      documentLoader: (uri): XNode | null => {
        const found = documentPath(stylesheet, uri);
        if ('refused' in found) {
          refused.push(found.refused);
          return null;
        }
        let source = documents.get(found.path);
        if (source === undefined) {
          const raw = readFileSync(found.path);
          codec.parse(raw);
          source = decodeXmlInput(raw, codec.limits.maxBytes);
          documents.set(found.path, source);
        }
        return parser.xmlParse(source);
      },
    });
    keyOverNodeSets(processor);
    let output: string;
    try {
      output = await processor.xsltProcess(input, stylesheet.root);
    } catch (err) {
      throw new StepError('xslt', `${file}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    if (refused.length > 0) throw new StepError('xslt', `${file}: ${refused.join('; ')}`);
    const out = Buffer.from(output, 'utf8');
    if (stylesheet.method === 'xml') {
      try {
        codec.screen(out);
      } catch (err) {
        throw new StepError('xslt', `${file} produced no well-formed XML document: ${(err as Error).message}`, err);
      }
    }
    m.hop('xslt', file);
    return m.withBody(bodyFromBytes(out, stylesheet.contentType, codec));
  };
}

type KeyFunction = (context: unknown, name: string, value: unknown) => XNode[];
interface CustomFunctions {
  key?: KeyFunction;
}
interface Converter {
  createCustomFunctions(context: unknown): CustomFunctions;
}

/**
 * xslt-processor 5 looks `key(name, value)` up with the value as given, so a node-set value (`key('k', @group)`,
 * the heart of Muenchian grouping) finds nothing. XSLT 1.0 (section 12.2) makes it the union of the lookups of each
 * node's string-value, in document order: this processor's key function is wrapped to do that. The wrapper is set on
 * this one processor's converter; when the library's shape changes, the step's tests tell.
 */
function keyOverNodeSets(processor: Xslt): void {
  const converter = (processor.xPath as unknown as { nodeConverter?: Converter }).nodeConverter;
  if (!converter) return;
  const original = converter.createCustomFunctions.bind(converter);
  converter.createCustomFunctions = (context) => {
    const functions = original(context);
    const key = functions.key;
    if (key) {
      functions.key = (ctx, name, value) => {
        if (!Array.isArray(value)) return key(ctx, name, value);
        const found = new Set<XNode>();
        for (const node of value as Array<{ textContent?: string }>) for (const hit of key(ctx, name, String(node.textContent ?? ''))) found.add(hit);
        return [...found].sort(documentOrder);
      };
    }
    return functions;
  };
}

function documentOrder(a: XNode, b: XNode): number {
  const x = positionOf(a);
  const y = positionOf(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function positionOf(node: XNode): number[] {
  const out: number[] = [];
  for (let n = node; n.parentNode; n = n.parentNode) out.unshift(n.parentNode.childNodes.indexOf(n));
  return out;
}
