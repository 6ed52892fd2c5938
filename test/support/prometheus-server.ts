import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

/** What to tell a developer whose machine has no Prometheus. */
export const PROMETHEUS_MISSING = 'prometheus not installed: apt-get install prometheus';

/** One series of an instant query (`resultType: vector`); `value` is `[unix seconds, "value"]`. */
export interface PromVectorItem {
  metric: Record<string, string>;
  value: [number, string];
}
/** One series of a range query or a `name[5m]` selector (`resultType: matrix`). */
export interface PromMatrixItem {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}
/** The `data` of a Prometheus query API answer (docs/querying/api.md). */
export type PromQueryData =
  | { resultType: 'vector'; result: PromVectorItem[] }
  | { resultType: 'matrix'; result: PromMatrixItem[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

/** One series' exemplars from `/api/v1/query_exemplars` (docs/querying/api.md, "Querying exemplars"). */
export interface PromExemplars {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

/** How to start the private Prometheus. */
export interface PrometheusOptions {
  /** `--enable-feature=exemplar-storage`: keep the exemplars pushed by remote-write. Default off, as Prometheus' own default. */
  exemplarStorage?: boolean;
}

/** A private Prometheus with the remote-write receiver on, for one test file. */
export interface PrometheusServer {
  /** `http://127.0.0.1:P` */
  readonly url: string;
  /** `http://127.0.0.1:P/api/v1/write`, the remote-write receiver. */
  readonly writeUrl: string;
  /** Instant query at `timeSec` (default: now). */
  query(promql: string, timeSec?: number): Promise<PromQueryData>;
  queryRange(promql: string, startSec: number, endSec: number, stepSec: number): Promise<PromQueryData>;
  /** Exemplars of the series `promql` selects between `startSec` and `endSec` (empty without exemplar storage). */
  queryExemplars(promql: string, startSec: number, endSec: number): Promise<PromExemplars[]>;
  /** Kills it and removes its data directory. */
  stop(): Promise<void>;
  /** The last lines it logged, for assertion messages. */
  logs(): string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of the `prometheus` binary: env `PROMETHEUS_BIN` when set (a path; a wrong one
 * counts as missing), else Debian's `/usr/bin/prometheus`, else the first on PATH.
 *
 * @example
 * if (!findPrometheusBinary()) console.log(PROMETHEUS_MISSING);
 */
export function findPrometheusBinary(): string | undefined {
  const forced = process.env.PROMETHEUS_BIN;
  if (forced !== undefined && forced !== '') return executable(forced) ? forced : undefined;
  const dirs = ['/usr/bin', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  return dirs.map((dir) => join(dir, 'prometheus')).find(executable);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** GET on loopback with node:http (Node 16 has no global fetch). */
function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
  });
}

async function waitReady(url: string, child: ChildProcess, logs: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}):\n${logs()}`);
    try {
      if ((await httpGet(`${url}/-/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`prometheus not ready after ${timeoutMs} ms:\n${logs()}`);
}

async function launch(bin: string, options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'gom-prometheus-'));
  // No scrape jobs: the only data is what tests push (wire-protocols.md §2).
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(bin, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    ...(options.exemplarStorage === true ? ['--enable-feature=exemplar-storage'] : []),
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (c: Buffer): void => {
    log = (log + c.toString('utf8')).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A test run that dies without stop() must not leave Prometheus behind.
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, child, () => log, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  async function api<T = PromQueryData>(path: string, params: Record<string, string>): Promise<T> {
    const res = await httpGet(`${url}${path}?${new URLSearchParams(params).toString()}`);
    const parsed = JSON.parse(res.body) as { status: string; data?: T; error?: string };
    if (parsed.status !== 'success' || !parsed.data) throw new Error(`prometheus ${path} ${res.status}: ${parsed.error ?? res.body}`);
    return parsed.data;
  }
  return {
    url,
    writeUrl: `${url}/api/v1/write`,
    query: (promql, timeSec) => api('/api/v1/query', { query: promql, time: String(timeSec ?? Date.now() / 1000) }),
    queryRange: (promql, start, end, step) =>
      api('/api/v1/query_range', { query: promql, start: String(start), end: String(end), step: String(step) }),
    queryExemplars: (promql, start, end) => api<PromExemplars[]>('/api/v1/query_exemplars', { query: promql, start: String(start), end: String(end) }),
    stop,
    logs: () => log,
  };
}

/**
 * Starts a private Prometheus (remote-write receiver on, temp storage, a free loopback
 * port; exemplar storage when asked) and waits for `/-/ready`. Returns undefined when the binary is missing, unless
 * `CI=true`, where a missing Prometheus is a failure.
 *
 * @example
 * const prom = await startPrometheus();
 * if (prom) { await push(prom.writeUrl); console.log(await prom.query('up')); await prom.stop(); }
 */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusServer | undefined> {
  const bin = findPrometheusBinary();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error(`${PROMETHEUS_MISSING} (CI=true: .ci/run must install it)`);
    return undefined;
  }
  // The free port can be taken between probe and bind: try a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(bin, options);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test(String(err))) throw err;
    }
  }
}

/** Lets tests reach the server that `describeWithPrometheus` started. */
export interface PrometheusHandle {
  /** The running server; throws if read outside a test. */
  readonly server: PrometheusServer;
}

/**
 * A `describe` whose tests share one private Prometheus, started before and stopped
 * after them. Without the binary the suite is skipped with "prometheus not installed:
 * apt-get install prometheus"; under `CI=true` it fails instead.
 *
 * @example
 * describeWithPrometheus('remote-write into Prometheus', (prom) => {
 *   it('stores a pushed sample', async () => {
 *     await push(prom.server.writeUrl);
 *     assert.equal((await prom.server.query('my_metric')).resultType, 'vector');
 *   });
 * });
 * describeWithPrometheus('exemplars', (prom) => { ... }, { exemplarStorage: true });
 */
export function describeWithPrometheus(name: string, fn: (prom: PrometheusHandle) => void, options: PrometheusOptions = {}): void {
  if (!findPrometheusBinary()) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('has a prometheus binary (CI=true)', () => {
          throw new Error(`${PROMETHEUS_MISSING} (CI=true: .ci/run must install it)`);
        });
      });
    } else {
      describe(name, { skip: PROMETHEUS_MISSING }, () => undefined);
    }
    return;
  }
  let server: PrometheusServer | undefined;
  const handle: PrometheusHandle = {
    get server(): PrometheusServer {
      if (!server) throw new Error('prometheus is not running (use prom.server inside a test)');
      return server;
    },
  };
  describe(name, () => {
    before(async () => {
      server = await startPrometheus(options);
    });
    after(async () => {
      await server?.stop();
      server = undefined;
    });
    fn(handle);
  });
}
