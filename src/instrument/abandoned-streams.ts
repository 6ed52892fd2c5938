/**
 * A stream the app never iterates is never finished by an iterator, so
 * without this it would never be recorded (issue 22 item 8): the call was
 * made and billed (the server generates whether or not anyone reads), yet
 * Grafana would not show it.
 *
 * Once the SDK's Stream object is garbage-collected nobody can iterate it any
 * more, so that is the moment the call is known to be abandoned, exactly,
 * without guessing a time limit (an app may legitimately read a stream
 * minutes later) and without holding the Stream (a FinalizationRegistry holds
 * only the callback, which must not reference the Stream). The record is made
 * whenever the collector runs: usually within seconds in a busy process; in
 * an idle one possibly never, as with every FinalizationRegistry.
 */

/** The part of ES2021's FinalizationRegistry used here (the compile target's lib predates it; Node has it from 14.6). */
interface Registry {
  register(target: object, held: () => void): void;
}
type RegistryConstructor = new (cleanup: (held: () => void) => void) => Registry;

const Finalization = (globalThis as { FinalizationRegistry?: RegistryConstructor }).FinalizationRegistry;
const registry = Finalization === undefined ? undefined : new Finalization((onCollected) => runGuarded(onCollected));

/**
 * Calls `onCollected` after `stream` has been garbage-collected. The callback
 * must not reference the stream, or it is never collected.
 *
 * @example
 * whenAbandoned(stream, () => { if (!state.iterated) hooks.onEnd({ outcome: 'abandoned' }); });
 */
export function whenAbandoned(stream: object, onCollected: () => void): void {
  registry?.register(stream, onCollected);
}

function runGuarded(fn: () => void): void {
  try {
    fn();
  } catch {
    // A finalizer must never throw into the process (DESIGN §3 rule 3).
  }
}
