import { classHasEndpoint } from './instrument/class-target.js';
import type { EndpointSpec } from './instrument/endpoint-spec.js';
import { hasEndpoint } from './instrument/patch-endpoint.js';
import { MonitoringError } from './monitoring-error.js';

/** What `monitor()` was given: one client, or a client class standing for all its clients. */
export type MonitorTarget =
  | { readonly kind: 'instance'; readonly client: object; readonly clientClass: Function }
  | { readonly kind: 'class'; readonly clientClass: Function };

const EXPECTED =
  'pass an openai client (new OpenAI(), new AzureOpenAI()) or a client class (OpenAI, AzureOpenAI or a subclass) from the openai package (4.x to 7.x)';

/**
 * Says what a wrong argument is without showing its value: a string passed by
 * mistake may well be the API key (DESIGN §3 rule 6).
 */
function describeArgument(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return value.name ? `a function named ${value.name}, which is not an openai client class` : 'an anonymous function, which is not an openai client class';
  if (typeof value !== 'object') return `a ${typeof value} (value not shown)`;
  if (typeof (value as { OpenAI?: unknown }).OpenAI === 'function' && !hasConstructorNamed(value, 'OpenAI')) {
    return 'the openai module object itself: pass its class (openai.OpenAI) or a client';
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `an object of class ${name}` : 'a plain object';
}

function hasConstructorNamed(value: object, name: string): boolean {
  return (value as { constructor?: { name?: unknown } }).constructor?.name === name;
}

function describeMissing(target: MonitorTarget, specs: readonly EndpointSpec[]): string {
  if (target.kind === 'instance') return specs.map((s) => `client.${s.path.join('.')}.create`).join(', ');
  const name = target.clientClass.name || 'the class';
  return specs.map((s) => `${name}.${s.classPath.join('.')}.prototype.create`).join(', ');
}

/**
 * Tells a client from a client class from anything else, and which of `specs`
 * it has; throws `GOM_INVALID_CLIENT` naming what was passed and what is
 * expected. `requireAll` is true for the single-endpoint entry points, where a
 * missing method means a wrong client.
 *
 * @example
 * const { target, available } = resolveMonitorTarget(OpenAI, [chatCompletionsEndpoint], true);
 * target.kind; // 'class'
 */
export function resolveMonitorTarget(
  value: unknown,
  specs: readonly EndpointSpec[],
  requireAll: boolean,
): { target: MonitorTarget; available: readonly EndpointSpec[] } {
  let target: MonitorTarget;
  let available: EndpointSpec[];
  if (typeof value === 'function' && specs.some((spec) => classHasEndpoint(value, spec))) {
    target = { kind: 'class', clientClass: value };
    available = specs.filter((spec) => classHasEndpoint(value, spec));
  } else if (typeof value === 'object' && value !== null && specs.some((spec) => hasEndpoint(value, spec))) {
    target = { kind: 'instance', client: value, clientClass: value.constructor };
    available = specs.filter((spec) => hasEndpoint(value, spec));
  } else {
    const lacks = typeof value === 'object' && value !== null ? `, which has no ${specs.map((s) => `client.${s.path.join('.')}.create`).join(', ')}` : '';
    throw new MonitoringError(
      'GOM_INVALID_CLIENT',
      `monitor() got ${describeArgument(value)}${lacks}: ${EXPECTED}, e.g. chat_v2.monitor(new OpenAI(), options) or monitor(OpenAI, options)`,
    );
  }
  const missing = specs.filter((spec) => !available.includes(spec));
  if (requireAll && missing.length > 0) {
    throw new MonitoringError('GOM_INVALID_CLIENT', `${target.kind === 'class' ? 'the class' : 'the client'} has no ${describeMissing(target, missing)}: ${EXPECTED}`);
  }
  return { target, available };
}
