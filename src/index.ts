export { chat_v1, chat_v2, embeddings, monitor, responses } from './entry-points.js';
export type { Monitor } from './monitor.js';
export type { MonitorOptions, ModelPriceOverride } from './monitor-options.js';
export { MonitoringError, type MonitoringErrorCode } from './monitoring-error.js';
export type { LogLine } from './record/log-line.js';
export { VERSION } from './version.js';
