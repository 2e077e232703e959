/**
 * @junction/transform: XML <-> JSON under one convention (see ../XML-CONVENTION.md), message bodies, JSONata
 * expressions and JSON Schema validation. A pure library: no Nest, no I/O.
 */
export * from './xml/xml-convention';
export { DEFAULT_XML_LIMITS, type ResolvedXmlLimits } from './xml/xml-guard';
export { type XmlCodec, type XmlReadOptions, createXmlCodec, defaultXmlCodec, jsonToXml, xmlToJson } from './xml/xml-codec';
export { type XmlDecodeOptions, decodeXmlInput } from './xml/xml-encoding';
export { type JsonStyle, plainJson } from './xml/xml-plain';
export { type CompiledNamespaces, compileNamespaces } from './xml/xml-prefixes';
export { WorkerPool, type WorkerPoolOptions, type WhenBusy } from './workers/worker-pool';
export { createXmlWorkers } from './xml/xml-workers';
export { type WorkerTask, workerTask } from './workers/worker-task';
export { BytesBody, type BytesBodyOptions } from './body/bytes.body';
export { ValueBody, type ValueBodyOptions } from './body/value.body';
export { bodyFromBytes, bodyFromValue, convertBody, loadBody } from './body/body-factory';
export { charsetOf } from './body/charset';
export { DEFAULT_JSON_LIMITS, type JsonLimits, parseJsonText, screenJson } from './body/json-text';
export {
  type CompiledExpression,
  type ExpressionOptions,
  compileExpression,
  evaluatePredicate,
  expressionReadsBody,
  jsonataBoolean,
} from './jsonata/jsonata-expression';
export { type SchemaValidator, compileSchema } from './schema/schema-validator';
export { ALWAYS_SENSITIVE_HEADERS, MASK, type Masker, type SensitiveSpec, createMasker } from './masking/masker';
export type {
  CsvColumnDef,
  CsvFormatDef,
  FixedWidthFieldDef,
  FixedWidthFormatDef,
  FlatCodec,
  FlatFieldType,
  FlatFormatDef,
  FlatProblem,
  FlatRecord,
  FlatRecordDelimiter,
  FlatWriteOptions,
} from './flat/flat-format.types';
export { FlatFormatError, MAX_FLAT_PROBLEMS } from './flat/flat-format.error';
export { compileFlatFormat, parseFlat, writeFlat } from './flat/flat-format';
export { fixedWidthLayoutProblems } from './flat/fixed-width-format';
export { isFlatEncoding } from './flat/flat-text';
export * from './xsd/xsd-model';
export { type XsdLoader, type XsdSource, readXsdModel } from './xsd/xsd-reader';
export { fileXsdLoader, loadXsdFile } from './xsd/xsd-files';
export { type XsdPart, XsdWriteError, writeXsdElement, writeXsdWrapper } from './xsd/xsd-writer';
export { lexicalForm, plainDecimal } from './xsd/xsd-lexical';
export { XSD_NS, type XsdFile, type XsdSchemaSet, loadXsdSchema, withSchemaImports } from './xsd/xsd-schema-files';
export { XsdValidator, type XsdViolation, violationError, xmlText, xmlTextOf, xsdCounts } from './xsd/xsd-validator';
