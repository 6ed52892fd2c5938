/**
 * Every label name the library writes on a series or stream that also carries
 * the user's `labels`: the compatible series (compatible-series.ts), the
 * native series (native-metrics.ts, cumulative-histogram.ts) and the Loki
 * streams (recorder.ts). A user label of one of these names would be
 * overwritten on some series and kept on others (issue 22 item 8), so
 * `monitor()` refuses it (monitor-options.ts).
 *
 * @example
 * LIBRARY_LABEL_NAMES.includes('server_address'); // true
 */
export const LIBRARY_LABEL_NAMES: readonly string[] = [
  // compatible series and Loki streams
  'job', 'source', 'model', 'environment', 'instance', 'level',
  // native series (OpenTelemetry GenAI names, DESIGN §1)
  'gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_request_model', 'gen_ai_response_model',
  'gen_ai_token_type', 'server_address', 'error_type',
  // histogram buckets (OpenMetrics)
  'le',
  // self-monitoring series (they carry no user labels today; refused so they never collide)
  'signal', 'reason',
];
