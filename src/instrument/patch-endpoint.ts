import { loadTraceApi } from './active-trace.js';
import { describeClient, type ClientTarget } from './client-target.js';
import type { EndpointSpec } from './endpoint-spec.js';
import { observeCall, type ObservationSink } from './observe-call.js';

const PATCH_STATE = Symbol.for('grafana-openai-monitoring.patch');

type CreateMethod = ((this: unknown, ...args: unknown[]) => unknown) & { [PATCH_STATE]?: PatchState };

/** One patched `create`: the original, and every monitor that listens to it. */
interface PatchState {
  readonly original: CreateMethod;
  readonly hadOwnProperty: boolean;
  readonly target: ClientTarget;
  /**
   * Keyed by monitor identity, so monitoring twice with the same settings
   * observes each call once; `refs` counts those monitors, so shutting down one
   * of them leaves the other observing.
   */
  readonly sinks: Map<string, { sink: ObservationSink; refs: number; streamUsage: boolean }>;
  /** Whether any monitor of this client wants stream usage (`stream_usage`, default true); kept in step with `sinks`. */
  askStreamUsage: boolean;
}

function wantsStreamUsage(state: PatchState): boolean {
  for (const listener of state.sinks.values()) if (listener.streamUsage) return true;
  return false;
}

function resourceOf(client: object, path: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = client;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}

/**
 * True when `resource.create` is an instance monitor's wrapper that records
 * calls: a class monitor (class-target.ts) then lets the call through to it,
 * so a call both monitors apply to is recorded once.
 *
 * @example
 * observedByOwnPatch(client.chat.completions); // true after chat_v2.monitor(client, options)
 */
export function observedByOwnPatch(resource: object): boolean {
  const create = (resource as { create?: CreateMethod }).create;
  return typeof create === 'function' && (create[PATCH_STATE]?.sinks.size ?? 0) > 0;
}

/**
 * True when the client has this endpoint (e.g. openai 4.0 has no `responses`).
 *
 * @example
 * if (hasEndpoint(client, chatCompletionsEndpoint)) patchEndpoint(client, chatCompletionsEndpoint, key, sink);
 */
export function hasEndpoint(client: object, spec: EndpointSpec): boolean {
  return typeof resourceOf(client, spec.path)?.create === 'function';
}

/**
 * Replaces `create` on this client's own resource object (not the SDK's
 * prototype, so other clients stay untouched) with a wrapper that observes each
 * call. Patching again adds a listener instead of wrapping twice; the returned
 * function removes this listener and, when none is left, puts the original
 * back — unless someone patched on top of us, in which case our wrapper stays
 * as a pass-through so their patch keeps working.
 *
 * @example
 * const unpatch = patchEndpoint(openai, chatCompletionsEndpoint, 'monitor-1', (obs) => recorder.record(obs));
 * unpatch();
 */
export function patchEndpoint(
  client: object,
  spec: EndpointSpec,
  key: string,
  sink: ObservationSink,
  settings: { streamUsage: boolean } = { streamUsage: true },
): () => void {
  const resource = resourceOf(client, spec.path);
  const current = resource?.create;
  if (resource === undefined || typeof current !== 'function') throw new TypeError(`client.${spec.path.join('.')}.create is not a function`);
  loadTraceApi(); // once per process, here rather than in the first call
  let state = (current as CreateMethod)[PATCH_STATE];
  if (state === undefined) {
    const created: PatchState = {
      original: current as CreateMethod,
      hadOwnProperty: Object.prototype.hasOwnProperty.call(resource, 'create'),
      target: describeClient(client),
      sinks: new Map(),
      askStreamUsage: false,
    };
    const fanOut: ObservationSink = (observation) => {
      if (created.sinks.size === 1) {
        for (const listener of created.sinks.values()) listener.sink(observation);
        return;
      }
      // A sink takes its Observation over (a recorder lets go of the content it
      // copied): monitors with different settings get a copy each, made before any runs.
      const listeners = [...created.sinks.values()];
      const copies = listeners.map(() => ({ ...observation }));
      listeners.forEach((listener, i) => listener.sink(copies[i]));
    };
    const wrapper: CreateMethod = function create(this: unknown, ...args: unknown[]): unknown {
      if (created.sinks.size === 0) return created.original.apply(this, args);
      const call = (body: unknown): unknown => {
        args[0] = body;
        return created.original.apply(this, args);
      };
      return observeCall(call, args[0], spec, created.target, fanOut, created.askStreamUsage);
    };
    wrapper[PATCH_STATE] = created;
    resource.create = wrapper;
    state = created;
  }
  const patched = state;
  const entry = patched.sinks.get(key);
  if (entry === undefined) patched.sinks.set(key, { sink, refs: 1, streamUsage: settings.streamUsage });
  else entry.refs += 1;
  patched.askStreamUsage = wantsStreamUsage(patched);
  let removed = false;
  return () => {
    const listener = patched.sinks.get(key);
    if (removed || listener === undefined) return;
    removed = true;
    listener.refs -= 1;
    if (listener.refs > 0) return;
    patched.sinks.delete(key);
    patched.askStreamUsage = wantsStreamUsage(patched);
    if (patched.sinks.size > 0) return;
    const installed = resource.create as CreateMethod | undefined;
    if (installed?.[PATCH_STATE] !== patched) return;
    if (patched.hadOwnProperty) resource.create = patched.original;
    else delete resource.create;
  };
}
