import { readFileSync, realpathSync } from 'node:fs';
import * as nodePath from 'node:path';
import { ConfigError } from '@junction/core';
import { type XmlCodec, type XsdFile, XsdValidator, withSchemaImports } from '@junction/transform';
import { decode } from './xml-tag-scanner';
import { WSDL_NS, XSD_NS } from './wsdl-reader';
import { ROOT_SCOPE, elementName, resolvedChildren, rootOf, scopeOf, standalone } from './xml-namespaces';
import { escapeXml } from './xml-escape';
import { envelopeNamespace, type SoapVersion } from './soap-envelope';

/** Validators over a WSDL's schemas, read once. */
export interface WsdlSchemas {
  /** A payload (a Body's element) on its own. */
  readonly payload: XsdValidator;
  /** A whole Envelope of this version: its Body's elements as `payload`, lines those of the envelope. */
  envelope(version: SoapVersion): XsdValidator;
}

/**
 * The schema of a WSDL, for validating SOAP payloads (`validate: request | response | both` on a SOAP source or
 * target): every `xsd:schema` of `wsdl:types`, in the WSDL and in the WSDLs it `wsdl:import`s, each made a document of
 * its own carrying the namespace declarations in scope where it stood (on `wsdl:definitions`, typically), plus every
 * file they import or include. Locations resolve against the document holding them and must stay in the main WSDL's
 * folder; http(s) locations are refused (nothing is fetched). A generated main schema imports every target namespace,
 * so that a payload in any of them validates against its global element declaration. Read once, at route load.
 */
export function loadWsdlSchemas(wsdlFile: string, codec: XmlCodec): WsdlSchemas {
  const main = realOf(wsdlFile);
  const folder = nodePath.dirname(main);
  const embedded: Array<XsdFile & { ns: string }> = [];
  /** XML Schema files a wsdl:import names directly, with their target namespaces. */
  const schemaFiles: Array<{ fileName: string; ns: string }> = [];
  const seen = new Set<string>();

  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const rel = relative(file, folder);
    let doc: Record<string, unknown>;
    try {
      doc = codec.parse(readFileSync(file));
    } catch (err) {
      throw new ConfigError(`WSDL ${rel}: ${(err as Error).message}`, undefined, err);
    }
    const root = rootOf(doc);
    const scope = scopeOf(root.value, ROOT_SCOPE);
    const name = elementName(root.qname, scope);
    if (name.ns === XSD_NS && name.localName === 'schema') return void schemaFiles.push({ fileName: rel, ns: attribute(root.value, 'targetNamespace') ?? '' });
    if (name.ns !== WSDL_NS || name.localName !== 'definitions') throw new ConfigError(`WSDL ${rel}: not a WSDL 1.1 document or an XML Schema`);
    for (const child of resolvedChildren(root.value, scope)) {
      if (child.name.ns !== WSDL_NS) continue;
      if (child.name.localName === 'import') {
        const location = attribute(child.value, 'location');
        if (location !== undefined) visit(localFile(location, file, folder));
      } else if (child.name.localName === 'types') {
        for (const schema of resolvedChildren(child.value, child.scope)) {
          if (schema.name.ns !== XSD_NS || schema.name.localName !== 'schema') continue;
          const n = embedded.length + 1;
          embedded.push({
            fileName: `${rel}.types-${n}.xsd`,
            // The declarations in scope go onto the schema element: its QName values (`type="ord:Order"`) keep their meaning.
            contents: codec.build(standalone(schema.qname, schema.value, child.scope), { declaration: false }),
            ns: attribute(schema.value, 'targetNamespace') ?? '',
          });
        }
      }
    }
  };
  visit(main);

  // Generated documents sit in the main WSDL's folder, so locations relative to the folder hold from them too.
  // One document per target namespace for the main schema to import: a namespace several schemas share is included
  // by a wrapper of that namespace (libxml2 imports a namespace once and skips the others).
  const byNs = new Map<string, string[]>();
  for (const e of [...embedded, ...schemaFiles]) byNs.set(e.ns, [...(byNs.get(e.ns) ?? []), e.fileName]);
  const generated: XsdFile[] = [];
  const imports: string[] = [];
  let k = 0;
  for (const [ns, files] of byNs) {
    let location = files[0];
    if (files.length > 1 || ns === '') {
      location = `${relative(main, folder)}.namespace-${++k}.xsd`;
      const target = ns === '' ? '' : ` targetNamespace="${escapeXml(ns)}"`;
      const includes = files.map((f) => `<xs:include schemaLocation="${escapeXml(f)}"/>`).join('');
      generated.push({ fileName: location, contents: `<xs:schema xmlns:xs="${XSD_NS}"${target}>${includes}</xs:schema>` });
    }
    imports.push(ns === '' ? `<xs:include schemaLocation="${escapeXml(location)}"/>` : `<xs:import namespace="${escapeXml(ns)}" schemaLocation="${escapeXml(location)}"/>`);
  }
  // Includes first: an xs:include must precede the imports in a schema.
  imports.sort((a, b) => Number(b.startsWith('<xs:include')) - Number(a.startsWith('<xs:include')));
  const stem = relative(main, folder);
  const names = { payload: `${stem}.schema.xsd`, '1.1': `${stem}.soap11-envelope.xsd`, '1.2': `${stem}.soap12-envelope.xsd` };
  generated.unshift(
    { fileName: names.payload, contents: `<xs:schema xmlns:xs="${XSD_NS}">${imports.join('')}</xs:schema>` },
    { fileName: names['1.1'], contents: envelopeSchema('1.1', names.payload) },
    { fileName: names['1.2'], contents: envelopeSchema('1.2', names.payload) },
  );
  const files = withSchemaImports([...generated, ...embedded], schemaFiles.map((f) => f.fileName), folder, codec);
  const name = nodePath.basename(main);
  const envelopes = {
    '1.1': new XsdValidator(name, { main: names['1.1'], files }),
    '1.2': new XsdValidator(name, { main: names['1.2'], files }),
  };
  return { payload: new XsdValidator(name, { main: names.payload, files }), envelope: (version) => envelopes[version] };
}

/**
 * A schema of the SOAP Envelope of one version whose Body's elements are validated strictly against the WSDL's
 * schemas (header blocks and attributes are not), so that the violations of a received envelope carry the lines of
 * the document as its sender wrote it.
 */
function envelopeSchema(version: SoapVersion, payloadSchema: string): string {
  const any = (process: string, ns = '##any') => `<xs:any namespace="${ns}" processContents="${process}" minOccurs="0" maxOccurs="unbounded"/>`;
  const open = '<xs:anyAttribute namespace="##any" processContents="skip"/>';
  return (
    `<xs:schema xmlns:xs="${XSD_NS}" targetNamespace="${envelopeNamespace(version)}" elementFormDefault="qualified">` +
    // The payload schema has no target namespace: imported without one, it brings in every namespace of the WSDL.
    `<xs:import schemaLocation="${escapeXml(payloadSchema)}"/>` +
    '<xs:element name="Envelope"><xs:complexType><xs:sequence>' +
    `<xs:element name="Header" minOccurs="0"><xs:complexType><xs:sequence>${any('skip')}</xs:sequence>${open}</xs:complexType></xs:element>` +
    `<xs:element name="Body"><xs:complexType><xs:sequence>${any('strict')}</xs:sequence>${open}</xs:complexType></xs:element>` +
    `${any('skip', '##other')}</xs:sequence>${open}</xs:complexType></xs:element></xs:schema>`
  );
}

function attribute(value: unknown, name: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = (value as Record<string, unknown>)[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

function localFile(location: string, importer: string, folder: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location) && !/^file:/i.test(location)) {
    throw new ConfigError(`WSDL ${relative(importer, folder)}: the location '${location}' is not a local file; WSDLs are not fetched for validation`);
  }
  const file = realOf(nodePath.resolve(nodePath.dirname(importer), decodeURIComponent(decode(location).replace(/^file:(\/\/)?/i, '').replace(/#.*$/, ''))));
  const rel = nodePath.relative(folder, file);
  if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) {
    throw new ConfigError(`WSDL ${relative(importer, folder)}: the location '${location}' lies outside the WSDL's folder`);
  }
  return file;
}

function realOf(file: string): string {
  try {
    return realpathSync(file);
  } catch (err) {
    throw new ConfigError(`cannot read WSDL ${file}`, undefined, err);
  }
}

function relative(file: string, folder: string): string {
  return nodePath.relative(folder, file).split(nodePath.sep).join('/');
}
