/**
 * SOAP building blocks: envelopes, faults, WS-Security UsernameToken, WSDL catalogs and publication. Pure functions
 * and small classes with no Fastify, Nest or bus wiring; the SOAP ingress and egress are built on them.
 */
export {
  type SoapVersion,
  type SoapHeaderBlock,
  type SoapPayload,
  type ParsedEnvelope,
  SOAP11_ENVELOPE_NS,
  SOAP12_ENVELOPE_NS,
  SOAP11_MEDIA_TYPE,
  SOAP12_MEDIA_TYPE,
  envelopeNamespace,
  versionOfNamespace,
  unquoteSoapAction,
  versionFromContentType,
  soapRequestHeaders,
  parseEnvelope,
  buildEnvelope,
} from './soap-envelope';
export { type FaultSpec, type BuiltFault, type ParsedFault, type SoapFaultShape, JUNCTION_FAULT_NS, buildFault, faultFor, parseFault } from './soap-fault';
export {
  type SecurityErrorCode,
  type UsernameTokenOptions,
  type UsernameTokenHeaderOptions,
  SecurityError,
  WSSE_NS,
  WSU_NS,
  PASSWORD_TEXT,
  PASSWORD_DIGEST,
  verifyUsernameToken,
  usernameTokenHeader,
  passwordDigest,
} from './ws-security';
export { NonceCache } from './nonce-cache';
export { type SoapCall, ActionNotSupportedError, WSA_NS, operationForCall } from './soap-action';
export { MustUnderstandError, UnderstoodBlocks, checkMustUnderstand, targetsBus } from './soap-must-understand';
export {
  type XmlName,
  type WsdlCatalog,
  type WsdlService,
  type WsdlPort,
  type WsdlOperation,
  type LoadWsdlOptions,
  loadWsdl,
  operationNamed,
} from './wsdl-catalog';
export { serializeOutput, serializeInput } from './wsdl-serializer';
export { type PublishedWsdl, type PublishedDocument, PUBLISHED_CONTENT_TYPE, publishWsdl, publishedDocument } from './wsdl-publisher';
