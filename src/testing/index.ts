/**
 * `grafana-openai-monitoring/testing`: in-memory, loopback stand-ins for
 * Prometheus remote-write and Loki, for an app's own tests of its telemetry.
 * They decode what the library pushes, check the wire rules a real receiver
 * enforces (and some it does not, so bugs show up in tests rather than as
 * missing data in production), and answer simple questions about what arrived.
 * No network, no Docker, Node 16.17+.
 *
 * @example
 * import { startRemoteWriteReceiver, startLokiReceiver } from 'grafana-openai-monitoring/testing';
 * const prometheus = await startRemoteWriteReceiver();
 * const loki = await startLokiReceiver();
 * const monitor = chat_v2.monitor(openai, { metrics_url: prometheus.url, logs_url: loki.url });
 * await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 * await monitor.flush();
 * assert.equal(prometheus.count('openai_totalTokens'), 1);
 * assert.equal(loki.lines()[0].json?.request_model, 'gpt-4o-mini');
 * await Promise.all([monitor.shutdown(), prometheus.close(), loki.close()]);
 */
export {
  startRemoteWriteReceiver,
  type ReceivedSample,
  type ReceivedSeries,
  type RemoteWriteReceiver,
  type RemoteWriteReceiverOptions,
} from './remote-write-receiver.js';
export { startLokiReceiver, type LokiReceiver, type LokiReceiverOptions, type ReceivedLogLine } from './loki-receiver.js';
export type { LabelMatch } from './label-match.js';
export type { ReceivedRequest, ReceiverAnswer } from './loopback-http-server.js';
