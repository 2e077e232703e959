import { loadSettings } from '@junction/config';
import { contextWith, endSpan, startSpan, tracing } from '@junction/core';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTracing, tracesEndpoint } from './tracing';

describe('OTLP span export settings', () => {
  it.each([
    [{}, undefined],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, 'http://collector:4318/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/otlp/' }, 'https://collector:4318/otlp/v1/traces'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/traces' }, 'http://b:9999/traces'],
  ])('%j exports to %s', (env, url) => {
    expect(tracesEndpoint(loadSettings(env))).toBe(url);
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => loadSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:\/\/ or https:\/\/ URL/);
    expect(() => loadSettings({ OTEL_BSP_SCHEDULE_DELAY: 'soon' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
  });

  it('records spans only while an endpoint is configured, and stops at shutdown', async () => {
    const off = startTracing(loadSettings({}));
    expect(off.endpoint).toBeUndefined();
    expect(tracing()).toBe(false);
    const on = startTracing(loadSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }));
    expect(on.endpoint).toBe('http://127.0.0.1:9/v1/traces');
    expect(tracing()).toBe(true);
    await on.shutdown();
    expect(tracing()).toBe(false);
  });

  it('logs a failed export as a warning', async () => {
    // A collector that refuses every export.
    const server = createServer((_req, res) => res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('no'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const warnings: string[] = [];
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const on = startTracing(loadSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_BSP_SCHEDULE_DELAY: '20' }), {
      warn: (_obj, msg) => warnings.push(msg),
    });
    try {
      endSpan(startSpan('ingress', SpanKind.SERVER, contextWith(startSpan('caller', SpanKind.CLIENT, ROOT_CONTEXT))));
      for (let i = 0; i < 200 && warnings.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(warnings.some((m) => m.startsWith('tracing: '))).toBe(true);
    } finally {
      await on.shutdown().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
