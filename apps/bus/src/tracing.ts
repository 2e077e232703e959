import type { Settings } from '@junction/config';
import { useTracer } from '@junction/core';
import { diag, DiagLogLevel } from '@opentelemetry/api';

/** The span export of a running bus; `shutdown` exports what is still waiting, then stops recording. */
export interface Tracing {
  readonly endpoint?: string;
  shutdown(): Promise<void>;
}

const OFF: Tracing = { shutdown: async () => undefined };

/** Where spans are exported: the traces endpoint as given, else `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
export function tracesEndpoint(settings: Settings): string | undefined {
  if (settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/**
 * Starts recording the bus's spans when an OTLP endpoint is configured: a NodeTracerProvider whose batch processor
 * exports them as OTLP/HTTP protobuf, with the service name (and INSTANCE_ID) as the resource. Without an endpoint nothing
 * is set up and spans stay non-recording (see @junction/core's trace context). The tracer is the bus's own: no
 * global provider or context manager is registered, so that nothing else in the process changes.
 */
export function startTracing(settings: Settings, log?: { warn(obj: object, msg: string): void }): Tracing {
  const url = tracesEndpoint(settings);
  if (!url) return OFF;
  // The SDK reports failed exports (an unreachable collector, a refusal) through its diagnostic logger: into the log.
  if (log) {
    const warn = (message: string, ...args: unknown[]) => log.warn({ detail: args.map(String).join(' ') || undefined }, `tracing: ${message}`);
    const quiet = () => undefined;
    diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  }
  // The SDK and the exporter (protobuf encoding, metrics SDK: over 100 modules) are loaded here, not with this module:
  // a bus without an endpoint never needs them.
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { ATTR_SERVICE_NAME } = require('@opentelemetry/semantic-conventions') as typeof import('@opentelemetry/semantic-conventions');
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.OTEL_SERVICE_NAME,
      ...(settings.INSTANCE_ID && { 'service.instance.id': settings.INSTANCE_ID }),
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: settings.OTEL_BSP_SCHEDULE_DELAY })],
  });
  const tracer = provider.getTracer('junction');
  useTracer(tracer);
  let stopping: Promise<void> | undefined;
  return {
    endpoint: url,
    shutdown: () =>
      (stopping ??= (async () => {
        useTracer(undefined);
        await provider.shutdown();
      })()),
  };
}
