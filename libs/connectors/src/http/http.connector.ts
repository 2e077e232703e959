import type { ConnectorModule } from '../shared/connector-module';
import { pathKey } from '../shared/path-pattern';
import { HttpSourceSchema, HttpTargetSchema, type HttpSourceDef, type HttpTargetDef } from './http.config';
import { HttpEgress } from './http.egress';
import { HttpIngress } from './http.ingress';
import { parseUrlTemplate } from './url-template';

/** HTTP: routes on the bus's listener (any method, path parameters) as sources; REST/JSON or XML endpoints as targets. */
export const httpConnector: ConnectorModule<HttpSourceDef, HttpTargetDef> = {
  kind: 'http',
  title: 'HTTP: REST/JSON and XML over HTTP/1.1',
  source: HttpSourceSchema,
  target: HttpTargetSchema,
  settings: ['INGRESS_TOKEN'],
  // The bytes as they are unless the body is converted: `asis` never converts, `json`/`xml` only a body in the other
  // format (a URL whose expressions read the body is seen by the compiler).
  sendsBytesAsIs: (config) => (config.format === 'asis' ? true : config.format),
  // `/customers/:id` and `/customers/:key` take the same requests: parameter names are left out of the claim.
  sourceKeys: (config) => (Array.isArray(config.method) ? config.method : [config.method]).map((m) => `http ${m} ${pathKey(config.path)}`),
  // Host and path as written: a URL with expressions keeps them in braces, so the id never holds a message's values.
  targetId: (config) => {
    const t = parseUrlTemplate(config.url);
    return `${t.host}${t.shownPath}`;
  },
  create: ({ http, settings }) => ({
    ingress: new HttpIngress(http, { token: settings.INGRESS_TOKEN }),
    egress: new HttpEgress(),
  }),
};
