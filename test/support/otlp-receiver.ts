import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
// The OpenTelemetry packages' own protobuf reader (the one the exporter's response parsing uses).
import { ProtobufReader } from '@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-reader';

/** A span as an OTLP collector receives it (ids in hex, kind as the OTLP enum: 1 internal ... 5 consumer). */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean>;
  /** Status code: 0 unset, 1 ok, 2 error. */
  readonly status: number;
  /** The `service.name` of the resource that sent it. */
  readonly service?: string;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (spans are posted to `<url>/v1/traces`). */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Export requests received, with their content types. */
  readonly requests: Array<{ path: string; contentType: string | undefined }>;
  close(): Promise<void>;
}

/**
 * A stand-in OpenTelemetry collector: an HTTP server taking OTLP/HTTP protobuf export requests
 * (ExportTraceServiceRequest) and decoding their spans, as a collector would.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: OtlpReceiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      try {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        spans.push(...decodeExportTraceServiceRequest(body));
        // An empty ExportTraceServiceResponse: everything accepted.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, spans, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Fields of a message, each LEN field as the reader of its bytes (opentelemetry/proto/trace/v1/trace.proto). */
function* fields(buf: Uint8Array): Generator<{ field: number; wire: number; reader: ProtobufReader }> {
  const reader = new ProtobufReader(buf);
  while (!reader.isAtEnd()) {
    const { fieldNumber, wireType } = reader.readTag();
    yield { field: fieldNumber, wire: wireType, reader };
  }
}

export function decodeExportTraceServiceRequest(buf: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const f of fields(buf)) {
    if (f.field === 1 && f.wire === 2) out.push(...decodeResourceSpans(f.reader.readBytes()));
    else f.reader.skip(f.wire);
  }
  return out;
}

function decodeResourceSpans(buf: Uint8Array): ReceivedSpan[] {
  let service: string | undefined;
  const scopes: Uint8Array[] = [];
  for (const f of fields(buf)) {
    if (f.field === 1 && f.wire === 2) {
      // Resource: 1 attributes
      for (const r of fields(f.reader.readBytes())) {
        if (r.field === 1 && r.wire === 2) {
          const [key, value] = decodeKeyValue(r.reader.readBytes());
          if (key === 'service.name') service = String(value);
        } else r.reader.skip(r.wire);
      }
    } else if (f.field === 2 && f.wire === 2) scopes.push(f.reader.readBytes());
    else f.reader.skip(f.wire);
  }
  const spans: ReceivedSpan[] = [];
  for (const scope of scopes) {
    // ScopeSpans: 2 spans
    for (const f of fields(scope)) {
      if (f.field === 2 && f.wire === 2) spans.push({ ...decodeSpan(f.reader.readBytes()), service });
      else f.reader.skip(f.wire);
    }
  }
  return spans;
}

function decodeSpan(buf: Uint8Array): Omit<ReceivedSpan, 'service'> {
  let traceId = '';
  let spanId = '';
  let parentSpanId: string | undefined;
  let name = '';
  let kind = 0;
  let status = 0;
  const attributes: ReceivedSpan['attributes'] = {};
  for (const f of fields(buf)) {
    const r = f.reader;
    if (f.field === 1 && f.wire === 2) traceId = hex(r.readBytes());
    else if (f.field === 2 && f.wire === 2) spanId = hex(r.readBytes());
    else if (f.field === 4 && f.wire === 2) parentSpanId = hex(r.readBytes()) || undefined;
    else if (f.field === 5 && f.wire === 2) name = r.readString();
    else if (f.field === 6 && f.wire === 0) kind = r.readVarint();
    else if (f.field === 9 && f.wire === 2) {
      const [key, value] = decodeKeyValue(r.readBytes());
      attributes[key] = value;
    } else if (f.field === 15 && f.wire === 2) {
      for (const s of fields(r.readBytes())) {
        if (s.field === 3 && s.wire === 0) status = s.reader.readVarint();
        else s.reader.skip(s.wire);
      }
    } else r.skip(f.wire);
  }
  return { traceId, spanId, parentSpanId, name, kind, attributes, status };
}

/** KeyValue: 1 key, 2 AnyValue (1 string, 2 bool, 3 int). */
function decodeKeyValue(buf: Uint8Array): [string, string | number | boolean] {
  let key = '';
  let value: string | number | boolean = '';
  for (const f of fields(buf)) {
    if (f.field === 1 && f.wire === 2) key = f.reader.readString();
    else if (f.field === 2 && f.wire === 2) {
      for (const v of fields(f.reader.readBytes())) {
        if (v.field === 1 && v.wire === 2) value = v.reader.readString();
        else if (v.field === 2 && v.wire === 0) value = v.reader.readVarint() !== 0;
        else if (v.field === 3 && v.wire === 0) value = v.reader.readVarint();
        else v.reader.skip(v.wire);
      }
    } else f.reader.skip(f.wire);
  }
  return [key, value];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
