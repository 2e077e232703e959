import type { ConnectorModule } from '../shared/connector-module';
import { HttpSourceSchema, HttpTargetSchema, type HttpSourceDef, type HttpTargetDef } from './http.config';
import { HttpEgress } from './http.egress';
import { HttpIngress } from './http.ingress';

/** HTTP: routes on the bus's listener (POST, PUT) as sources; REST/JSON or XML endpoints as targets. */
export const httpConnector: ConnectorModule<HttpSourceDef, HttpTargetDef> = {
  kind: 'http',
  title: 'HTTP: REST/JSON and XML over HTTP/1.1',
  source: HttpSourceSchema,
  target: HttpTargetSchema,
  settings: ['INGRESS_TOKEN'],
  sendsBytesAsIs: (config) => config.format === 'asis',
  sourceKeys: (config) => (Array.isArray(config.method) ? config.method : [config.method]).map((m) => `http ${m} ${config.path}`),
  create: ({ http, settings }) => ({
    ingress: new HttpIngress(http, { token: settings.INGRESS_TOKEN }),
    egress: new HttpEgress(),
  }),
};
