import type { Source } from '../record/observation.js';

/** What one live monitor watches on one endpoint: a class (and its subclasses) or one client. */
export interface WatchedCalls {
  readonly scope: 'class' | 'instance';
  /** The class monitored, or the class of the client monitored. */
  readonly clientClass: Function;
  /** The endpoint, by the `source` it records under (one per endpoint). */
  readonly source: Source;
  /** The monitor's settings identity (monitor.ts `monitorKey`). */
  readonly key: string;
}

/**
 * Live monitors, shared through a global symbol by every copy of this library
 * in the process (its CommonJS and ESM builds are two copies), so an app that
 * imports it while a dependency requires it still gets one answer. Entries
 * hold classes, never clients, and leave with their monitor's `shutdown()`.
 */
const LIVE = Symbol.for('grafana-openai-monitoring.watched-calls');
type Registry = Set<WatchedCalls>;

function registry(): Registry {
  const holder = globalThis as { [LIVE]?: Registry };
  return (holder[LIVE] ??= new Set());
}

function isSameOrSubclass(candidate: Function, of: Function): boolean {
  return candidate === of || candidate.prototype instanceof of;
}

/** Whether some client's calls would reach both: a class covers its subclasses and their clients. */
function overlaps(a: WatchedCalls, b: WatchedCalls): boolean {
  if (a.source !== b.source) return false;
  // Two instance monitors of one client fan out by design (one tenant each, test/record/recorder.test.ts);
  // only a class monitor makes "the same calls" ambiguous.
  if (a.scope === 'instance' && b.scope === 'instance') return false;
  return isSameOrSubclass(a.clientClass, b.clientClass) || isSameOrSubclass(b.clientClass, a.clientClass);
}

/**
 * The live monitor whose calls overlap `wanted` with other settings, if any: a
 * class monitor and another monitor (class or instance) with different options
 * on the same calls cannot both record them (DESIGN §1: a call is recorded once).
 *
 * @example
 * const clash = conflictingMonitor({ scope: 'class', clientClass: OpenAI, source: 'node_chatv2', key });
 * if (clash) throw new MonitoringError('GOM_CONFLICTING_MONITORS', '…');
 */
export function conflictingMonitor(wanted: WatchedCalls): WatchedCalls | undefined {
  for (const live of registry()) if (live.key !== wanted.key && overlaps(live, wanted)) return live;
  return undefined;
}

/**
 * Records that a monitor watches these calls; the returned function forgets it.
 *
 * @example
 * const forget = watchCalls({ scope: 'instance', clientClass: client.constructor, source: 'node_chatv2', key });
 * forget();
 */
export function watchCalls(watched: WatchedCalls): () => void {
  const entry = { ...watched };
  registry().add(entry);
  return () => {
    registry().delete(entry);
  };
}
