import { describeClient, type ClientTarget } from './client-target.js';
import type { EndpointSpec } from './endpoint-spec.js';
import { observeCall, type ObservationSink } from './observe-call.js';
import { observedByOwnPatch } from './patch-endpoint.js';

/**
 * Monitoring a client class: every client of `OpenAI` (or `AzureOpenAI`, or
 * any subclass), built before or after, by the app or by a framework from the
 * same copy of `openai`.
 *
 * Each client builds its resources in its constructor (openai 4-7:
 * `this.chat = new API.Chat(this)`, whose constructor builds
 * `new Completions(this._client)`), and `create` lives on the resource class's
 * prototype. Patching that prototype reaches every client of that copy of the
 * SDK without module-load hooks, the same under ESM and CommonJS; the
 * resource's `_client` (set by `APIResource`'s constructor in 4-7) tells which
 * class the client is, so a monitor of `AzureOpenAI` leaves plain `OpenAI`
 * clients alone.
 */

/** The symbol on our wrapper that holds its state; global, so both builds of this library share it. */
const CLASS_PATCH = Symbol.for('grafana-openai-monitoring.class-patch');

type CreateMethod = ((this: unknown, ...args: unknown[]) => unknown) & { [CLASS_PATCH]?: ClassPatchState };

interface ClassListener {
  readonly clientClass: Function;
  readonly key: string;
  readonly sink: ObservationSink;
  readonly streamUsage: boolean;
  /** Shown each call's client, so a class monitor's scrubber knows its key (client-secrets.ts). */
  readonly onClient?: (client: object) => void;
  refs: number;
}

interface ClassPatchState {
  readonly original: CreateMethod;
  readonly hadOwnProperty: boolean;
  /** In monitor order; monitor.ts refuses overlapping listeners with different keys, so the first match is the one. */
  readonly listeners: ClassListener[];
}

/** Each client's target, worked out on its first monitored call (instance monitoring does it at patch time). */
const targets = new WeakMap<object, ClientTarget>();

function targetOf(client: object): ClientTarget {
  let target = targets.get(client);
  if (target === undefined) {
    target = describeClient(client);
    targets.set(client, target);
  }
  return target;
}

function resourcePrototype(clientClass: Function, spec: EndpointSpec): Record<string, unknown> | undefined {
  let node: unknown = clientClass;
  for (const key of spec.classPath) {
    if (typeof node !== 'function') return undefined;
    node = (node as unknown as Record<string, unknown>)[key];
  }
  if (typeof node !== 'function') return undefined;
  const prototype: unknown = node.prototype;
  return typeof prototype === 'object' && prototype !== null ? (prototype as Record<string, unknown>) : undefined;
}

/**
 * True when `value` is a class of the `openai` SDK (or a subclass) with this
 * endpoint, e.g. `OpenAI` has `OpenAI.Chat.Completions.prototype.create`.
 *
 * @example
 * classHasEndpoint(OpenAI, chatCompletionsEndpoint); // true
 * classHasEndpoint(class {}, chatCompletionsEndpoint); // false
 */
export function classHasEndpoint(value: unknown, spec: EndpointSpec): value is Function {
  // A class has an object prototype (an arrow function has none, and `instanceof` it would throw).
  return typeof value === 'function' && typeof value.prototype === 'object' && typeof resourcePrototype(value, spec)?.create === 'function';
}

/** The listener for this call, or undefined to let it through unobserved. */
function listenerFor(state: ClassPatchState, resource: unknown): ClassListener | undefined {
  if (typeof resource !== 'object' || resource === null) return undefined;
  // An instance monitor on this very client records the call (its wrapper is the
  // resource's own `create` and calls ours as its original): once, not twice.
  if (observedByOwnPatch(resource)) return undefined;
  const client = (resource as { _client?: unknown })._client;
  if (typeof client !== 'object' || client === null) return undefined;
  for (const listener of state.listeners) if (client instanceof listener.clientClass) return listener;
  return undefined;
}

/**
 * Replaces `create` on the endpoint's resource prototype, reached from the
 * class, with a wrapper that observes the calls of that class's clients (and
 * its subclasses'). Patching again adds a listener instead of wrapping twice;
 * the returned function removes it and, when none is left, puts the original
 * back, unless someone patched on top of us, in which case our wrapper stays
 * as a pass-through so their patch keeps working.
 *
 * @example
 * const unpatch = patchClassEndpoint(OpenAI, chatCompletionsEndpoint, key, (obs) => recorder.record(obs));
 * unpatch();
 */
export function patchClassEndpoint(
  clientClass: Function,
  spec: EndpointSpec,
  key: string,
  sink: ObservationSink,
  settings: { streamUsage: boolean; onClient?: (client: object) => void } = { streamUsage: true },
): () => void {
  const prototype = resourcePrototype(clientClass, spec);
  const current = prototype?.create;
  if (prototype === undefined || typeof current !== 'function') throw new TypeError(`${spec.classPath.join('.')}.prototype.create is not a function`);
  let state = (current as CreateMethod)[CLASS_PATCH];
  if (state === undefined) {
    const created: ClassPatchState = {
      original: current as CreateMethod,
      hadOwnProperty: Object.prototype.hasOwnProperty.call(prototype, 'create'),
      listeners: [],
    };
    const wrapper: CreateMethod = function create(this: unknown, ...args: unknown[]): unknown {
      let listener: ClassListener | undefined;
      try {
        listener = created.listeners.length === 0 ? undefined : listenerFor(created, this);
      } catch {
        // A getter or `instanceof` we do not expect threw: the call goes through unobserved (DESIGN §3 rule 3).
        listener = undefined;
      }
      if (listener === undefined) return created.original.apply(this, args);
      const client = (this as { _client: object })._client;
      try {
        listener.onClient?.(client);
      } catch {
        // Only the secret scrubber's bookkeeping: never a reason to fail the call.
      }
      const call = (body: unknown): unknown => {
        args[0] = body;
        return created.original.apply(this, args);
      };
      return observeCall(call, args[0], spec, targetOf(client), listener.sink, listener.streamUsage);
    };
    wrapper[CLASS_PATCH] = created;
    prototype.create = wrapper;
    state = created;
  }
  const patched = state;
  let listener = patched.listeners.find((l) => l.clientClass === clientClass && l.key === key);
  if (listener === undefined) {
    listener = { clientClass, key, sink, streamUsage: settings.streamUsage, onClient: settings.onClient, refs: 0 };
    patched.listeners.push(listener);
  }
  const mine = listener;
  mine.refs += 1;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    mine.refs -= 1;
    if (mine.refs > 0) return;
    patched.listeners.splice(patched.listeners.indexOf(mine), 1);
    if (patched.listeners.length > 0) return;
    const installed = prototype.create as CreateMethod | undefined;
    if (installed?.[CLASS_PATCH] !== patched) return;
    if (patched.hadOwnProperty) prototype.create = patched.original;
    else delete prototype.create;
  };
}
