import { describeUrl, HttpTransport } from '../export/http/http-transport.js';
import { encodeLokiPushBody } from '../export/loki/encode-push-body.js';
import { lokiEndpoint, remoteWriteEndpoint, type PushEndpoint } from '../export/push-endpoint.js';
import { compressSnappyBlock } from '../export/remote-write/snappy-block.js';
import { encodeWriteRequest } from '../export/remote-write/encode-write-request.js';
import type { ResolvedOptions } from '../monitor-options.js';
import { USER_AGENT } from '../version.js';
import { checkLogEntry, checkSample } from './check-probe.js';
import { hintForStatus, type SignalName } from './hints.js';
import { answerExcerpt, networkFailure, type StepResult } from './step-result.js';

/**
 * Pushes the check's sample and line once each, through the library's own
 * encoders, endpoint headers and transport: what `check` proves is then what
 * the exporter will do. One attempt and no retry, on purpose: the point is to
 * show the receiver's first answer, which the exporter would otherwise retry
 * (5xx, 429) or drop (4xx) in the background.
 */

async function pushOnce(signal: SignalName, endpoint: PushEndpoint, body: Uint8Array | string, timeoutMs: number, transport: HttpTransport): Promise<StepResult> {
  const url = describeUrl(endpoint.url);
  const started = Date.now();
  try {
    // ref: the CLI's process must stay alive until the answer comes (the exporter's sockets are unref'd).
    const response = await transport.post(endpoint.url, body, { headers: endpoint.headers, timeoutMs, ref: true });
    const elapsed = Date.now() - started;
    const location = typeof response.headers.location === 'string' ? response.headers.location : undefined;
    const hint = hintForStatus(response.status, { signal, step: 'push', url, body: response.body, location });
    const excerpt = answerExcerpt(response.body, endpoint.secrets);
    if (hint === undefined) return { signal, step: 'push', outcome: 'ok', detail: `HTTP ${response.status} in ${elapsed} ms` };
    return { signal, step: 'push', outcome: 'failed', detail: `HTTP ${response.status} in ${elapsed} ms${excerpt ? `: ${excerpt}` : ''}`, hint };
  } catch (error) {
    return networkFailure(signal, 'push', error, timeoutMs, url);
  }
}

/**
 * Pushes `grafana_openai_monitoring_check{check_id}` by remote-write.
 *
 * @example
 * const result = await pushCheckSample(resolved, checkId, transport);
 * result.outcome; // 'ok'
 */
export function pushCheckSample(resolved: ResolvedOptions, checkId: string, transport: HttpTransport): Promise<StepResult> {
  const endpoint = remoteWriteEndpoint(resolved.metrics, USER_AGENT);
  const body = compressSnappyBlock(encodeWriteRequest([checkSample(checkId, Date.now())]));
  return pushOnce('metrics', endpoint, body, resolved.timeoutMs, transport);
}

/**
 * Pushes one JSON line naming `check_id` to Loki.
 *
 * @example
 * const result = await pushCheckLine(resolved, checkId, transport);
 */
export function pushCheckLine(resolved: ResolvedOptions, checkId: string, transport: HttpTransport): Promise<StepResult> {
  const endpoint = lokiEndpoint(resolved.logs, USER_AGENT);
  return pushOnce('logs', endpoint, encodeLokiPushBody([checkLogEntry(checkId, Date.now())]), resolved.timeoutMs, transport);
}

/**
 * The strings no output may contain for these options: tokens and the
 * Authorization values built from them.
 *
 * @example
 * scrubSecrets(text, checkSecrets(resolved));
 */
export function checkSecrets(resolved: ResolvedOptions): string[] {
  return [...remoteWriteEndpoint(resolved.metrics, USER_AGENT).secrets, ...lokiEndpoint(resolved.logs, USER_AGENT).secrets];
}
