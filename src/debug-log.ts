import { debuglog } from 'node:util';

/**
 * Diagnostic logging, off unless `NODE_DEBUG=grafana-openai-monitoring` is set
 * (node's own convention, as `NODE_DEBUG=http`). Costs one boolean check when off.
 * Never pass a secret: messages name endpoints by URL, never by credentials.
 *
 * @example
 * debugLog('pushed %d samples to %s', 12, url);
 */
export const debugLog = debuglog('grafana-openai-monitoring');

const warned = new Set<string>();

/**
 * Emits a process warning once per key (e.g. once per unpriced model), so a
 * misconfiguration is visible without flooding the app's stderr.
 *
 * @example
 * warnOnce('unpriced:my-model', 'no price for model my-model', 'GOM_UNPRICED_MODEL');
 */
export function warnOnce(key: string, message: string, code: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.emitWarning(message, { code });
}
