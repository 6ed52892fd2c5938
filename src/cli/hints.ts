import type { HttpNetworkError } from '../export/http/http-transport.js';

/**
 * What `grafana-openai-monitoring check` tells a user to do about an answer or
 * a failure, per signal and step. The statuses follow reference/wire-protocols.md
 * §9 (what each receiver answers and why); the wording names the fix, because
 * the person reading it is setting the library up, not debugging it.
 */

export type SignalName = 'metrics' | 'logs';
export type StepKind = 'push' | 'read';

export interface HintContext {
  readonly signal: SignalName;
  readonly step: StepKind;
  /** The URL used, as it may be printed (describeUrl: no credentials, no query). */
  readonly url: string;
  /** The start of the answer's body, for receivers that say why in it. */
  readonly body?: string;
  /** The `Location` header of a redirect. */
  readonly location?: string;
}

const INSTANCE = { metrics: 'Prometheus', logs: 'Loki' } as const;

function wrongPath(context: HintContext): string {
  if (context.step === 'read') {
    return (
      `wrong URL path — it queried ${context.url}; ` +
      (context.signal === 'metrics'
        ? "give --query-url as the Prometheus API base (Grafana Cloud: the metrics URL ending in /api/prom, without /push)"
        : "give --logs-query-url as the Loki base URL (Grafana Cloud: the bare host, as for logs_url)")
    );
  }
  const base = `wrong URL path — it pushed to ${context.url}; Grafana Cloud's metrics URL ends in /api/prom, Loki's is the bare host`;
  // Prometheus' own 404 when it runs without the receiver (wire-protocols.md §2).
  if (/remote.write receiver needs to be enabled/i.test(context.body ?? '')) {
    return `${base}. This Prometheus has remote-write turned off: start it with --web.enable-remote-write-receiver`;
  }
  return base;
}

/**
 * The hint for an HTTP answer, or undefined when it means success (2xx, except
 * Loki's 260: ingestion blocked, nothing written).
 *
 * @example
 * hintForStatus(401, { signal: 'metrics', step: 'push', url });
 * // 'token scope: the access token needs metrics:write (and metrics:read for the read-back); …'
 */
export function hintForStatus(status: number, context: HintContext): string | undefined {
  const { signal, step } = context;
  if (status === 260 && signal === 'logs') return 'Loki answered 260: ingestion is blocked for this tenant and nothing was written (see its block_ingestion_until limit)';
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400) {
    return `redirected${context.location ? ` to ${context.location}` : ''}: use the URL it points to (pushes do not follow redirects)`;
  }
  if (status === 401 || status === 403) {
    const user = `${signal}_username must be your ${INSTANCE[signal]} instance id (Grafana Cloud → ${INSTANCE[signal]} → Details)`;
    return step === 'push'
      ? `token scope: the access token needs ${signal}:write (and ${signal}:read for the read-back); ${user}, and the token must be current`
      : `token scope: the read-back needs ${signal}:read on the access token (the push needs ${signal}:write); ${user}`;
  }
  if (status === 404) return wrongPath(context);
  // VictoriaMetrics answers an unknown path 400 `unsupported path requested` (vector D11).
  if (status === 400 && /unsupported path/i.test(context.body ?? '')) return wrongPath(context);
  if (status === 415) {
    return `the receiver wants a different Content-Type/remote-write version (this client sends ${
      signal === 'metrics' ? 'remote-write 1.0: application/x-protobuf, snappy' : 'Loki JSON: application/json'
    }); check the URL points at a ${signal === 'metrics' ? 'remote-write' : 'Loki push'} endpoint`;
  }
  if (status === 429) return 'rate limited: the receiver is over an ingestion or query limit; the library retries later, but nothing was written now';
  if (status === 502 || status === 503 || status === 504) return `the receiver or a proxy in front of it is unavailable (HTTP ${status}); try again, or check the receiver`;
  if (status >= 500) return `the receiver failed (HTTP ${status}); its answer above says why — check its logs`;
  return `the receiver refused the ${step === 'push' ? 'data' : 'query'} (HTTP ${status}); its answer above says why`;
}

const TLS_CODE = /CERT|SSL|TLS|EPROTO/;
const CERTIFICATE = /CERT|certificate/i;

/**
 * A failure reason fit for one line: OpenSSL's messages
 * (`write EPROTO 80CC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/…`)
 * cut down to their reason, everything else without the `failed: ` prefix.
 *
 * @example
 * shortReason('failed: write EPROTO 80CC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../x.c:350:'); // 'wrong version number'
 * shortReason('failed: connect ECONNREFUSED 127.0.0.1:9'); // 'connect ECONNREFUSED 127.0.0.1:9'
 */
export function shortReason(reason: string): string {
  const openssl = /SSL routines:[^:]*:([^:]+)/.exec(reason);
  if (openssl !== null) return openssl[1].trim();
  return reason.replace(/^failed: /, '').replace(/\s+/g, ' ').trim();
}

/**
 * The hint for a request that got no HTTP answer: timeout, refused, DNS, TLS, reset.
 *
 * @example
 * hintForNetworkError(err, 5000, 'https://prometheus-prod-13-prod-us-east-0.grafana.net/api/prom/push');
 * // 'no answer within 5000 ms: check host/port/firewall (a proxy?), or raise --timeout-ms for a slow link'
 */
export function hintForNetworkError(error: HttpNetworkError, timeoutMs: number, url: string): string {
  const target = new URL(url);
  const code = error.code ?? '';
  if (error.timedOut) return `no answer within ${timeoutMs} ms: check host/port/firewall (a proxy?), or raise --timeout-ms for a slow link`;
  if (code === 'ECONNREFUSED') return `connection refused: nothing listens on ${target.host}; check the host and port (and http:// vs https://)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found: ${target.hostname} does not resolve; check its spelling (copy the URL from the stack's Details page)`;
  if (TLS_CODE.test(code) || /certificate|ssl|tls/i.test(error.reason)) {
    const reason = shortReason(error.reason);
    if (CERTIFICATE.test(`${code} ${reason}`)) {
      const untrusted = /SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/.test(code);
      return `certificate problem: ${reason}${untrusted ? ' — a private CA or a TLS-inspecting proxy? point NODE_EXTRA_CA_CERTS at its CA certificate' : ''}`;
    }
    // `wrong version number` / `packet length too long`: TLS spoken to a port that answers plain HTTP.
    const plainHttp = /wrong version number|packet length too long/i.test(reason);
    return `TLS problem: ${reason}${plainHttp ? ' — the port may speak plain HTTP: try http://' : ''}`;
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was reset: a proxy or firewall may be dropping it, or the port speaks another protocol';
  return `the request failed (${error.reason}); check the URL and the network path to ${target.host}`;
}
