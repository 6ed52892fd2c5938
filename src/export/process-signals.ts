/**
 * Delivery on SIGTERM and SIGINT, then the process ends as it would have
 * without us (DESIGN.md §3 rule 3; issue 18).
 *
 * Why: Kubernetes, systemd, Docker and every PaaS stop a service with SIGTERM;
 * Node's default action ends the process at once, and whatever was queued
 * since the last flush (up to `flush_interval_ms` of calls) was lost on every
 * deploy. `beforeExit` (exit-hook.ts) never fires then.
 *
 * How, per signal, with one shared listener while any exporter takes part:
 * - the app has no listener of its own for it: every participant delivers
 *   what is pending, each bounded by its `shutdown_timeout_ms`; then our
 *   listener is removed and the signal raised again, so Node's default action
 *   ends the process by that signal (exit status 143 for SIGTERM, 130 for
 *   SIGINT, as unmonitored). A second such signal while delivering ends the
 *   process at once, as the first would have without us (Ctrl-C twice).
 * - the app has a listener of its own: it decides what happens. Participants
 *   flush as they would on their timer (nothing ref'd: we never keep the
 *   process alive), and nothing else changes: we never exit for the app.
 *
 * Adding a listener is what stops Node's default action (Node docs, "Signal
 * events"); removing the last one restores it, which is why the re-raise works.
 * Node 16 behaves the same.
 */

/**
 * The signals handled: what orchestrators send to stop a service, and Ctrl-C.
 *
 * @example
 * const signal: HandledSignal = 'SIGTERM';
 */
export type HandledSignal = 'SIGTERM' | 'SIGINT';

/**
 * What a participant is asked to do: `appHandles` true when the app has its
 * own listener for the signal (flush only), false when the process is about
 * to end by it (deliver within shutdown_timeout_ms). Never rejects.
 *
 * @example
 * const participant: SignalParticipant = (_signal, appHandles) => (appHandles ? exporter.flush() : finalDelivery());
 */
export type SignalParticipant = (signal: HandledSignal, appHandles: boolean) => Promise<void>;

const SIGNALS: readonly HandledSignal[] = ['SIGTERM', 'SIGINT'];
const participants = new Set<SignalParticipant>();
/** Signals whose default action we are delivering before: a second one ends the process at once. */
const ending = new Set<HandledSignal>();

/**
 * Marks our listeners, across copies of this package in one process (its
 * CommonJS and ES module builds both loaded, or two versions): another copy's
 * listener is not the app's, or each copy would leave the ending to the other
 * and the process would outlive the signal.
 */
const OURS = Symbol.for('grafana-openai-monitoring.signal-listener');

function marked(listener: () => void): () => void {
  Object.defineProperty(listener, OURS, { value: true });
  return listener;
}

const listeners: Record<HandledSignal, () => void> = {
  SIGTERM: marked(() => onSignal('SIGTERM')),
  SIGINT: marked(() => onSignal('SIGINT')),
};

/** True when a listener that is not ours (the app's, or a framework's it uses) is registered for `signal`. */
function appListens(signal: HandledSignal): boolean {
  return process.listeners(signal).some((listener) => !(OURS in listener));
}

function onSignal(signal: HandledSignal): void {
  if (ending.has(signal)) {
    reRaise(signal);
    return;
  }
  const appHandles = appListens(signal);
  if (!appHandles) ending.add(signal);
  const deliveries = [...participants].map((participant) => {
    try {
      return participant(signal, appHandles).catch(() => undefined);
    } catch {
      return Promise.resolve(); // a participant never throws by contract; one bug must not skip the others
    }
  });
  if (appHandles) return;
  void Promise.all(deliveries).then(() => {
    // The app may have added a listener meanwhile: then it decides, as above.
    if (appListens(signal)) {
      ending.delete(signal);
      return;
    }
    reRaise(signal);
  });
}

/**
 * Ends the process by `signal` exactly as Node's default action would: our
 * listener goes, the signal comes again. While another copy's listener is
 * still delivering, that copy raises it when done instead.
 */
function reRaise(signal: HandledSignal): void {
  ending.delete(signal);
  process.removeListener(signal, listeners[signal]);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/**
 * Asks `participant` to deliver at every SIGTERM and SIGINT until the returned
 * function is called.
 *
 * @example
 * const unregister = onProcessSignal((signal, appHandles) => (appHandles ? exporter.flush() : exporter.deliverBeforeEnd()));
 * // at shutdown:
 * unregister();
 */
export function onProcessSignal(participant: SignalParticipant): () => void {
  if (participants.size === 0) for (const signal of SIGNALS) process.on(signal, listeners[signal]);
  participants.add(participant);
  let registered = true;
  return () => {
    if (!registered) return;
    registered = false;
    participants.delete(participant);
    if (participants.size === 0) {
      // While a delivery before a re-raise runs, the listener stays: it re-raises when the delivery ends.
      for (const signal of SIGNALS) if (!ending.has(signal)) process.removeListener(signal, listeners[signal]);
    }
  };
}
