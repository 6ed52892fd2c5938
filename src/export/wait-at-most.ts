/**
 * Waits for `work` to settle, or `ms`, whichever comes first; never rejects.
 *
 * `Monitor.flush()` is awaited where the process may stop right after: a
 * serverless handler before it returns (the runtime then freezes the process,
 * and no timer fires until the next invocation), a CLI before it exits. A dead
 * or slow endpoint must cost that caller at most `timeout_ms`, while its
 * retries (retry-policy.ts, bounded) carry on in the background whenever the
 * process runs again. The timer is a normal one, not unref()ed: the caller
 * asked to wait, so the process stays up for that long.
 *
 * @example
 * await waitAtMost(exporter.flush(), 5_000); // resolves after at most ~5 s
 */
export function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    work.then(done, done);
  });
}
