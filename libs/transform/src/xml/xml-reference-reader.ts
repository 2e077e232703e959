import { InputError } from '@junction/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XmlReferenceError, xmlEntityDecoder } from './xml-entities';
import { type ResolvedXmlLimits, malformed, prescanXml } from './xml-guard';
import { type CompiledNamespaces, PrefixScope } from './xml-prefixes';
import { type ArrayPaths, ESCAPED_NAME_PREFIX, type OrderedNode, readDocument } from './xml-reader';

/**
 * The reference reading of a decoded document, in several passes: the prescan (xml-guard.ts), fast-xml-parser's
 * validator, its `preserveOrder` parse, then the conversion into the convention (xml-reader.ts). It defines what the
 * one-pass reader (xml-scanner.ts) must return: the codec hands it every document the scanner does not read itself
 * (any refusal but the hardening ones, and the rare shapes the scanner leaves to it), so that both produce the same
 * value and the same refusal, word for word. The differential spec runs both over fixtures and generated documents.
 */
export type ReferenceReader = (text: string) => Record<string, unknown>;

// Names the parser refuses as object keys; renamed on the way in and back by the reader.
const UNSAFE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** A reference reader with one configured parser; `text` is what decodeXmlInput returned. */
export function createReferenceReader(
  limits: ResolvedXmlLimits,
  paths: ArrayPaths | undefined,
  namespaces: CompiledNamespaces | undefined,
): ReferenceReader {
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    cdataPropName: '#cdata',
    commentPropName: false,
    ignoreDeclaration: false,
    ignorePiTags: false,
    processEntities: true,
    entityDecoder: xmlEntityDecoder,
    maxNestedTags: limits.maxDepth,
    transformTagName: (name) => (UNSAFE_NAMES.has(name) ? ESCAPED_NAME_PREFIX + name : name),
    // Keys are never merged onto prototypes here (the reader writes own properties), so names stay as written.
    onDangerousProperty: (name) => name,
  });
  return (text) => {
    // Cheap refusals first (DTD, depth, attribute count), then well-formedness, then the tree.
    prescanXml(text, limits);
    const verdict = XMLValidator.validate(text);
    if (verdict !== true) {
      const { msg, line, col } = verdict.err;
      throw new InputError('XML_MALFORMED', `Malformed XML: ${msg.replace(/\.$/, '')} (line ${line}, column ${col})`, 400);
    }
    let nodes: OrderedNode[];
    try {
      nodes = parser.parse(text) as OrderedNode[];
    } catch (err) {
      if (err instanceof XmlReferenceError) throw malformed(err.message, text, text.indexOf(err.reference));
      if (err instanceof InputError) throw err;
      throw new InputError('XML_MALFORMED', `Malformed XML: ${(err as Error).message}`, 400, err);
    }
    return readDocument(nodes, paths, namespaces && PrefixScope.root(namespaces));
  };
}
