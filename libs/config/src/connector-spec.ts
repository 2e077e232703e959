import type { z } from 'zod';
import type { DefPath } from './route-problem';

/** Where a source or target config stands, for an offline check: its route and the route file's folder. */
export interface CheckContext {
  readonly routeId: string;
  readonly mode: 'sync' | 'async';
  /** Folder of the route file: relative paths in the config (a WSDL, a key file) resolve from here. */
  readonly baseDir: string;
}

/** A problem an offline check found, at a path inside the config it checked (e.g. `['operation']`). */
export interface CheckProblem {
  readonly path: DefPath;
  readonly message: string;
}

/**
 * What route files know of a connector: its kind (the key under `from:` and in a target), the schemas of its source
 * and target config, the addresses a source claims, and an offline check. The route schema, the editors' JSON Schema,
 * the loader and `junction validate` are built from a list of these; a connector module (libs/connectors) is one.
 */
export interface ConnectorSpec<S = any, T = any> {
  /** Lower-case key used in route files: `from: { <kind>: ... }`, `to: [{ <kind>: ... }]`. */
  readonly kind: string;
  /** Schema of the source config; absent when the connector has no ingress. */
  readonly source?: z.ZodType<S>;
  /** Schema of the target config; absent when the connector has no egress. */
  readonly target?: z.ZodType<T>;
  /**
   * The ingress addresses a source claims (`http GET /customers/:id`, `amqp amqp://host/vhost orders`); two routes may
   * not claim the same one. Default: none (every route may use any address).
   */
  sourceKeys?(config: S): string[];
  /**
   * Whether a target sends the message's bytes as they are: `true` for any body (an HTTP target with `format: asis`),
   * a format for a body already in it (an HTTP target with `format: json` sends a JSON body's bytes, and converts
   * the others). A route whose targets do so for a body, and whose steps never read it, does not parse that body.
   * Default: no.
   */
  sendsBytesAsIs?(config: T): boolean | 'json' | 'xml';
  /**
   * The default id of a target of this kind, without the `<kind>:` prefix, for a target that sets no `id` (an HTTP
   * target: host and path as written). Default: the host and path of the config's `url` field, if it has one.
   */
  targetId?(config: T): string;
  /**
   * Where a source sends what its route refuses after taking it (an async route's step failing in the outbox), when
   * the source names such a place (Kafka's `deadLetterTopic`): a target config of this same kind, as a route file
   * would write it, which the compiler builds as the route's dead-letter target. The copy carries the original bytes
   * and headers (a Kafka key among them) and the reason. Refusals at ingress stay with the ingress. Default: none.
   */
  deadLetterTarget?(config: S): unknown;
  /**
   * Offline checks, run by `junction validate`, `junction test`, at start-up and on every reload: what the schema
   * cannot see (a referenced file exists, a WSDL has the operation, a topic pattern compiles). No network I/O.
   */
  readonly check?: {
    source?(config: S, context: CheckContext): CheckProblem[] | Promise<CheckProblem[]>;
    target?(config: T, context: CheckContext): CheckProblem[] | Promise<CheckProblem[]>;
  };
}
