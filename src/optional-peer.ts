import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Synchronous loading of an optional peer dependency from both builds.
 *
 * The CommonJS build has its own `require`, which resolves from this file, so
 * from the app's `node_modules` like any dependency. The ES module build has
 * none and cannot name `import.meta` (the same source compiles to CommonJS), so
 * it makes one with createRequire from this file's path as its stack frame
 * gives it (a `file://` URL, which createRequire accepts), else from the working
 * directory. A dynamic `import()` would not do: what needs the peer runs
 * synchronously, inside the app's call (the token estimator, the active span).
 */

function requireFunction(): NodeRequire {
  if (typeof require === 'function') return require;
  return createRequire(ownFileName() ?? join(process.cwd(), 'index.js'));
}

function ownFileName(): string | undefined {
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder);
    const frames = holder.stack as NodeJS.CallSite[] | undefined;
    const name = frames?.[0]?.getFileName();
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}

/**
 * The exports of an optional peer, or the error that stopped it loading
 * (not installed, or throwing at load). Never throws.
 *
 * @example
 * const loaded = requireOptionalPeer('@opentelemetry/api');
 * if ('exports' in loaded) useTraceApi(loaded.exports);
 * else debugLog('tracing off: %s', loaded.error);
 */
export function requireOptionalPeer(moduleName: string): { exports: unknown } | { error: string } {
  try {
    return { exports: requireFunction()(moduleName) as unknown };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
