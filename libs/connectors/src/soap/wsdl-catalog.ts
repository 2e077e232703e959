import { realpathSync } from 'node:fs';
import * as nodePath from 'node:path';
import { ConfigError } from '@junction/core';
import { type XmlCodec, type XsdModel, type XsdPart, createXmlCodec, fileXsdLoader, readXsdModel } from '@junction/transform';
import type { IOptions, WSDL } from 'soap';
import type { SoapVersion } from './soap-envelope';
import { type OperationStyle, type WsdlModel, keyOf, readWsdlModel } from './wsdl-reader';
import type { XmlName } from './xml-namespaces';

export type { XmlName } from './xml-namespaces';

/** A port of a service: where one SOAP binding is offered. */
export interface WsdlPort {
  readonly name: string;
  /** The binding's local name. */
  readonly binding: string;
  readonly version: SoapVersion;
  /** The `soap:address` / `soap12:address` location as written. */
  readonly address?: string;
}

export interface WsdlService {
  readonly name: string;
  readonly ports: readonly WsdlPort[];
}

/** One operation as offered by one port (so one per operation per binding version). */
export interface WsdlOperation {
  readonly name: string;
  readonly service: string;
  readonly port: string;
  readonly version: SoapVersion;
  /** This binding's soapAction; absent when empty. */
  readonly soapAction?: string;
  readonly style: OperationStyle;
  /** The Body element of a request: the part's element (document), or the operation's wrapper (rpc). */
  readonly input: XmlName;
  /** The Body element of a response; absent for a one-way operation. */
  readonly output?: XmlName;
  /** rpc style: the parts of the request and of the response, in order (the wrapper's children). */
  readonly inputParts?: readonly XsdPart[];
  readonly outputParts?: readonly XsdPart[];
}

/**
 * A loaded WSDL: its services and operations, the model of its schemas (from which JSON is written as its
 * elements: see wsdl-serializer.ts), and the `soap` package's model of the whole (for publishing and prefixes).
 */
export interface WsdlCatalog {
  /** The main document as loaded: an absolute file path or the URL. */
  readonly location: string;
  readonly services: readonly WsdlService[];
  readonly operations: readonly WsdlOperation[];
  readonly schemas: XsdModel;
  readonly wsdl: WSDL;
}

export interface LoadWsdlOptions {
  /** Codec through which every loaded document is read again (DOCTYPE refused, limits). Default: default limits. */
  readonly codec?: XmlCodec;
}

// Options of soap's model: special keys all start with `$`, so that serialize can drop every such key from
// untrusted values (soap writes an `$xml` value as raw XML and an `$attributes` value as attributes).
const SOAP_OPTIONS: IOptions = { attributesKey: '$attributes', valueKey: '$value', xmlKey: '$xml' };

/**
 * Loads a WSDL 1.1 from a file path or an http(s) URL with the `soap` package, which follows `wsdl:import`,
 * `xsd:import` and `xsd:include` (relative locations resolve against the importing document). For a file, every
 * file it pulls in must lie in the main file's folder or below (symbolic links resolved): a location outside is a
 * ConfigError, as in publishWsdl. Every loaded document is also read through our hardened codec, which reads the
 * binding layer (see wsdl-reader.ts) and refuses DOCTYPEs. Operations without an input (notifications) and ports
 * of non-SOAP bindings are left out. Throws ConfigError naming the location on any failure.
 */
export async function loadWsdl(location: string, options: LoadWsdlOptions = {}): Promise<WsdlCatalog> {
  const remote = /^https?:\/\//i.test(location);
  const main = remote ? location : realPath(nodePath.resolve(location));
  const soapOptions: IOptions = { ...SOAP_OPTIONS };
  if (!remote) {
    const folder = nodePath.dirname(main);
    soapOptions.wsdl_options = { overrideImportLocation: (resolved: string) => confine(resolved, folder, main) };
  }
  // soap's WSDL reader (about 100 modules with its HTTP client) is loaded by the first WSDL rather than with this
  // module: a bus process whose routes have no WSDL need not hold it.
  const { open_wsdl } = require('soap/lib/wsdl') as typeof import('soap/lib/wsdl');
  let wsdl: WSDL;
  try {
    wsdl = await new Promise<WSDL>((resolve, reject) => {
      open_wsdl(main, soapOptions, (err: unknown, loaded?: WSDL) => (err || !loaded ? reject(err) : resolve(loaded)));
    });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // soap's message for an HTTP failure quotes the whole response body: keep the start only.
    const why = String((err as Error)?.message ?? err).slice(0, 300);
    throw new ConfigError(`WSDL ${main}: ${why}`, undefined, err);
  }
  const codec = options.codec ?? defaultCodec;
  const documents = loadedDocuments(wsdl);
  const model = readWsdlModel(documents, codec);
  return { location: main, ...catalogOf(model, main), schemas: readSchemas(main, remote, documents, codec), wsdl };
}

/**
 * The schemas of the WSDL (its `wsdl:types` and the documents they import or include), read by our XSD model
 * reader from the documents soap loaded; a location soap did not load is read from the WSDL's folder (never from
 * outside it, never over the network).
 */
function readSchemas(main: string, remote: boolean, documents: ReadonlyArray<{ uri: string; text: string }>, codec: XmlCodec): XsdModel {
  const known = new Map<string, string>();
  for (const d of documents) known.set(remote ? d.uri : realPath(nodePath.resolve(d.uri)), d.text);
  const uri = (d: { uri: string }) => (remote ? d.uri : realPath(nodePath.resolve(d.uri)));
  try {
    return readXsdModel(
      documents.map((d) => ({ uri: uri(d), text: d.text })),
      fileXsdLoader(remote ? '/' : nodePath.dirname(main), known),
      codec,
    );
  } catch (err) {
    throw new ConfigError(`WSDL ${main}: ${(err as Error).message}`, undefined, err);
  }
}

const defaultCodec = createXmlCodec();

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file; // soap reports the missing file
  }
}

/** Refuses a file location outside `folder`; http(s) locations pass. Returns the location for soap to open. */
function confine(resolved: string, folder: string, importer: string): string {
  if (/^https?:\/\//i.test(resolved)) return resolved;
  const real = realPath(nodePath.resolve(resolved));
  const rel = nodePath.relative(folder, real);
  if (rel === '' || rel.startsWith('..') || nodePath.isAbsolute(rel)) {
    throw new ConfigError(`WSDL ${importer}: the location '${resolved}' lies outside the WSDL's folder ${folder}`);
  }
  return resolved;
}

/** The text of every document soap loaded (main first), each once. Reads soap's `_includesWsdl`, kept in one place. */
function loadedDocuments(root: WSDL): Array<{ uri: string; text: string }> {
  const seen = new Set<WSDL>();
  const out: Array<{ uri: string; text: string }> = [];
  const visit = (wsdl: WSDL): void => {
    if (seen.has(wsdl)) return;
    seen.add(wsdl);
    out.push({ uri: wsdl.uri, text: wsdl.toXML() });
    for (const included of (wsdl as unknown as { _includesWsdl?: WSDL[] })._includesWsdl ?? []) visit(included);
  };
  visit(root);
  return out;
}

function catalogOf(model: WsdlModel, where: string): { services: WsdlService[]; operations: WsdlOperation[] } {
  const problem = (message: string) => new ConfigError(`WSDL ${where}: ${message}`);
  const services: WsdlService[] = [];
  const operations: WsdlOperation[] = [];
  for (const service of model.services) {
    const ports: WsdlPort[] = [];
    for (const port of service.ports) {
      const binding = model.bindings.get(keyOf(port.binding));
      if (!binding) continue;
      ports.push({ name: port.name, binding: binding.name.localName, version: binding.version, ...(port.address ? { address: port.address } : {}) });
      const portType = model.portTypes.get(keyOf(binding.portType));
      if (!portType) throw problem(`binding ${binding.name.localName} refers to an unknown port type ${binding.portType.localName}`);
      for (const op of binding.operations) {
        const abstract = portType.find((o) => o.name === op.name);
        if (!abstract) throw problem(`binding ${binding.name.localName} has an operation ${op.name} its port type lacks`);
        if (!abstract.input) continue;
        const style = op.style ?? binding.style;
        const bodyElement = (message: XmlName, parts: readonly string[] | undefined, wrapperNs: string | undefined, wrapper: string) => {
          if (style === 'rpc') return { ns: wrapperNs ?? '', localName: wrapper };
          const all = model.messages.get(keyOf(message));
          if (!all) throw problem(`operation ${op.name} refers to an unknown message ${message.localName}`);
          const part = all.find((p) => !parts || parts.includes(p.name));
          if (!part?.element) throw problem(`document operation ${op.name}: message ${message.localName} needs a part with an element`);
          return part.element;
        };
        // rpc/literal (WSDL 1.1 3.5, WS-I BP R2729): a wrapper named after the operation in soap:body's namespace,
        // one unqualified accessor per part (or the part's element), in the message's order.
        const rpcParts = (message: XmlName, parts: readonly string[] | undefined): XsdPart[] => {
          const all = model.messages.get(keyOf(message));
          if (!all) throw problem(`operation ${op.name} refers to an unknown message ${message.localName}`);
          return all
            .filter((p) => !parts || parts.includes(p.name))
            .map((p) => ({ name: p.name, ...(p.element ? { element: keyOf(p.element) } : p.type ? { type: keyOf(p.type) } : {}) }));
        };
        const input = bodyElement(abstract.input, op.inputParts, op.inputNamespace, op.name);
        const output = abstract.output && bodyElement(abstract.output, op.outputParts, op.outputNamespace, `${op.name}Response`);
        const inputParts = style === 'rpc' ? rpcParts(abstract.input, op.inputParts) : undefined;
        const outputParts = style === 'rpc' && abstract.output ? rpcParts(abstract.output, op.outputParts) : undefined;
        operations.push({
          name: op.name,
          service: service.name,
          port: port.name,
          version: binding.version,
          ...(op.soapAction ? { soapAction: op.soapAction } : {}),
          style,
          input,
          ...(output ? { output } : {}),
          ...(inputParts ? { inputParts } : {}),
          ...(outputParts ? { outputParts } : {}),
        });
      }
    }
    services.push({ name: service.name, ports });
  }
  return { services, operations };
}

/**
 * The operation of this name, for delivery: in `service` when given, in the binding of `version` when given (else
 * SOAP 1.1 when offered, else the first). Undefined when there is none.
 */
export function operationNamed(
  catalog: WsdlCatalog,
  query: { name: string; service?: string; version?: SoapVersion },
): WsdlOperation | undefined {
  const named = catalog.operations.filter((o) => o.name === query.name && (!query.service || o.service === query.service));
  if (query.version) return named.find((o) => o.version === query.version);
  return named.find((o) => o.version === '1.1') ?? named[0];
}
