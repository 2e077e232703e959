import type { ConnectorModule } from '../shared/connector-module';
import { pathKey } from '../shared/path-pattern';
import { checkSoapSource, checkSoapTarget } from './soap.check';
import { SoapSourceSchema, SoapTargetSchema, type SoapSourceDef, type SoapTargetDef } from './soap.config';
import { SoapEgress } from './soap.egress';
import { SoapIngress } from './soap.ingress';

/** SOAP 1.1/1.2: WSDL-described services on the bus's listener as sources; WSDL operations as targets. */
export const soapConnector: ConnectorModule<SoapSourceDef, SoapTargetDef> = {
  kind: 'soap',
  title: 'SOAP 1.1 and 1.2 services and clients described by a WSDL',
  source: SoapSourceSchema,
  target: SoapTargetSchema,
  settings: ['INGRESS_TOKEN', 'WSDL_PUBLIC', 'PUBLIC_URL', 'XML_MAX_DEPTH', 'XML_MAX_ATTRIBUTES', 'BODY_LIMIT_BYTES'],
  // A SOAP service takes POST on its path of the HTTP listener and serves its WSDL there by GET: it claims both, so
  // that an HTTP route taking GET on the same path is refused at load rather than shadowed.
  sourceKeys: (config) => [`http POST ${pathKey(config.path)}`, `http GET ${pathKey(config.path)}`],
  check: { source: checkSoapSource, target: checkSoapTarget },
  create: ({ http, settings, xmlWorkers }) => ({
    ingress: new SoapIngress(http, {
      token: settings.INGRESS_TOKEN,
      wsdlPublic: settings.WSDL_PUBLIC,
      publicUrl: settings.PUBLIC_URL,
      xmlLimits: { maxDepth: settings.XML_MAX_DEPTH, maxAttributes: settings.XML_MAX_ATTRIBUTES, maxBytes: settings.BODY_LIMIT_BYTES },
      xmlWorkers,
    }),
    egress: new SoapEgress(),
  }),
};
