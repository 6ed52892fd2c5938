/**
 * One writer per series (wire-protocols.md §8 items 6 and 8): which `instance`
 * each live exporter writes as, per metrics URL.
 *
 * Two monitors that push to the same metrics_url but differ in credentials or
 * headers (a token being rotated, another header) get two exporters
 * (exporter-registry.ts: credentials and headers are part of the destination).
 * With the same `instance` they would write the same series, each with its own
 * timestamps and its own cumulative counts: Prometheus refused 5 of 12 such
 * pushes (issue 22 item 6). So the second exporter on a URL writes as
 * `<instance>#2`, the third `#3`, and so on; every monitor that shares an
 * exporter shares its name.
 *
 * Why a distinct instance and not an error: token rotation needs both monitors
 * live for a while (the old client finishes its calls as the new one starts),
 * and neither may lose data. Monitors on the same destination with the same
 * credentials share one exporter and are never renamed. Another tenant
 * (another username or `X-Scope-OrgID`) is renamed too: the library cannot
 * know whether the receiver keeps tenants apart (Prometheus does not), and a
 * second instance name is harmless where it does.
 */

interface Claim {
  readonly destination: string;
  readonly instance: string;
  holders: number;
}

/** Per `metricsUrl \0 requested instance`: the exporters writing there, first come first. */
const claims = new Map<string, Claim[]>();

/**
 * Claims the instance a destination's exporter writes as; returns it and the
 * function that gives the claim back (idempotent).
 *
 * @example
 * const first = claimInstance('http://prom/api/v1/write', 'host:42', 'dest-a'); // { instance: 'host:42', … }
 * const second = claimInstance('http://prom/api/v1/write', 'host:42', 'dest-b'); // { instance: 'host:42#2', … }
 * second.release();
 */
export function claimInstance(metricsUrl: string, requested: string, destination: string): { instance: string; release(): void } {
  const key = `${metricsUrl}\u0000${requested}`;
  let list = claims.get(key);
  if (list === undefined) claims.set(key, (list = []));
  let claim = list.find((c) => c.destination === destination);
  if (claim === undefined) {
    const taken = new Set(list.map((c) => c.instance));
    let instance = requested;
    for (let n = 2; taken.has(instance); n++) instance = `${requested}#${n}`;
    claim = { destination, instance, holders: 0 };
    list.push(claim);
  }
  claim.holders += 1;
  const held = claim;
  const holders = list;
  let released = false;
  return {
    instance: held.instance,
    release(): void {
      if (released) return;
      released = true;
      held.holders -= 1;
      if (held.holders > 0) return;
      holders.splice(holders.indexOf(held), 1);
      if (holders.length === 0) claims.delete(key);
    },
  };
}
