import protobuf from 'protobufjs';

/**
 * OTLP/HTTP bodies as the peer sink reads them: protobuf (what the
 * OpenTelemetry `*-otlp-proto` exporters send) decoded with protobufjs from
 * the OTLP v1 schema below, or JSON (what the `*-otlp-http` exporters used by
 * Langfuse and OpenLIT send). Both come out as the same flat records, so the
 * sink checks every peer by one rule: attributes by key, values as JS values.
 *
 * The schema is the subset of opentelemetry-proto v1 (collector,
 * trace/v1, logs/v1, metrics/v1, common/v1, resource/v1) the sink reads, with
 * the upstream field numbers; protobuf skips the fields it does not list.
 */
const OTLP_SUBSET = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Span { string name = 5; repeated KeyValue attributes = 9; repeated Event events = 11; }
message ScopeSpans { repeated Span spans = 2; }
message ResourceSpans { repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message LogRecord { AnyValue body = 5; repeated KeyValue attributes = 6; string event_name = 12; }
message ScopeLogs { repeated LogRecord log_records = 2; }
message ResourceLogs { repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
message NumberDataPoint { double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
message HistogramDataPoint { fixed64 count = 4; double sum = 5; repeated KeyValue attributes = 9; }
message Sum { repeated NumberDataPoint data_points = 1; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Histogram { repeated HistogramDataPoint data_points = 1; }
message Metric { string name = 1; Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
message ScopeMetrics { repeated Metric metrics = 2; }
message ResourceMetrics { repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
`;

const root = protobuf.parse(OTLP_SUBSET).root;
const TYPES = {
  traces: root.lookupType('otlp.ExportTraceServiceRequest'),
  logs: root.lookupType('otlp.ExportLogsServiceRequest'),
  metrics: root.lookupType('otlp.ExportMetricsServiceRequest'),
};

/** One span: its name and attributes (`gen_ai.usage.input_tokens` → 19). */
export interface OtlpSpan {
  readonly name: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** One log record (an OTel event): its name, attributes and body as JSON text. */
export interface OtlpLogRecord {
  readonly eventName: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly bodyText: string;
}

/** One metric data point: a histogram's count and sum, or a sum's or gauge's value. */
export interface OtlpPoint {
  readonly metric: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly count?: number;
  readonly value?: number;
}

export type OtlpSignal = keyof typeof TYPES;

/** What one OTLP request carried. */
export interface OtlpContent {
  readonly spans: OtlpSpan[];
  readonly logRecords: OtlpLogRecord[];
  readonly points: OtlpPoint[];
}

type Json = Record<string, unknown>;

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null) as Json[]) : [];
}

function object(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  return undefined;
}

/** An AnyValue (protobufjs' toObject or OTLP/JSON: both camelCase) as a plain JS value. */
function anyValue(value: unknown): unknown {
  const v = object(value);
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return numberOf(v.intValue);
  if ('doubleValue' in v) return numberOf(v.doubleValue);
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return list(object(v.arrayValue).values).map(anyValue);
  if ('kvlistValue' in v) return attributes(object(v.kvlistValue).values);
  return undefined;
}

function attributes(keyValues: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list(keyValues)) out[String(kv.key)] = anyValue(kv.value);
  return out;
}

function flatten(signal: OtlpSignal, request: Json): OtlpContent {
  const content: OtlpContent = { spans: [], logRecords: [], points: [] };
  if (signal === 'traces') {
    for (const rs of list(request.resourceSpans)) for (const ss of list(rs.scopeSpans)) for (const span of list(ss.spans)) content.spans.push({ name: String(span.name ?? ''), attributes: attributes(span.attributes) });
  } else if (signal === 'logs') {
    for (const rl of list(request.resourceLogs))
      for (const sl of list(rl.scopeLogs))
        for (const record of list(sl.logRecords)) {
          const body = anyValue(record.body);
          content.logRecords.push({ eventName: String(record.eventName ?? ''), attributes: attributes(record.attributes), bodyText: body === undefined ? '' : JSON.stringify(body) });
        }
  } else {
    for (const rm of list(request.resourceMetrics))
      for (const sm of list(rm.scopeMetrics))
        for (const metric of list(sm.metrics)) {
          const name = String(metric.name ?? '');
          for (const point of list(object(metric.histogram).dataPoints)) content.points.push({ metric: name, attributes: attributes(point.attributes), count: numberOf(point.count) });
          for (const point of [...list(object(metric.sum).dataPoints), ...list(object(metric.gauge).dataPoints)])
            content.points.push({ metric: name, attributes: attributes(point.attributes), value: numberOf(point.asInt) ?? numberOf(point.asDouble) });
        }
  }
  return content;
}

/**
 * Decodes one OTLP/HTTP request body by its content type.
 *
 * @example
 * const { spans } = decodeOtlp('traces', 'application/x-protobuf', body);
 * spans[0].attributes['gen_ai.usage.input_tokens']; // 19
 */
export function decodeOtlp(signal: OtlpSignal, contentType: string, body: Uint8Array): OtlpContent {
  if (contentType.includes('json')) return flatten(signal, object(JSON.parse(Buffer.from(body).toString('utf8'))));
  const type = TYPES[signal];
  const decoded = type.toObject(type.decode(body), { longs: String, bytes: String, defaults: false });
  return flatten(signal, decoded);
}
