/**
 * One `process.on('beforeExit')` listener shared by every live exporter.
 *
 * Why beforeExit: Node emits it when the event loop has nothing left that keeps
 * the process alive — our interval timer and in-flight sockets are unref()ed on
 * purpose — so an application that never calls `flush()` or `shutdown()` still
 * gets its last samples delivered, and the work scheduled there (ref'd sockets,
 * a ref'd deadline timer) keeps the process alive just long enough. It is not
 * emitted on `process.exit()` or a fatal signal; nothing asynchronous can run then.
 *
 * Why shared: one listener per exporter would trip Node's
 * MaxListenersExceededWarning after ten monitors and leak when exporters come
 * and go; here the listener exists only while at least one exporter does.
 */

const participants = new Set<() => void>();

function onBeforeExit(): void {
  for (const participant of [...participants]) {
    try {
      participant();
    } catch {
      // A participant never throws by contract; this guard keeps one bug from skipping the others.
    }
  }
}

/**
 * Calls `participant` at every `beforeExit` until the returned function is called.
 *
 * @example
 * const unregister = onProcessBeforeExit(() => exporter.deliverAtExit());
 * // at shutdown:
 * unregister();
 */
export function onProcessBeforeExit(participant: () => void): () => void {
  if (participants.size === 0) process.on('beforeExit', onBeforeExit);
  participants.add(participant);
  let registered = true;
  return () => {
    if (!registered) return;
    registered = false;
    participants.delete(participant);
    if (participants.size === 0) process.removeListener('beforeExit', onBeforeExit);
  };
}
