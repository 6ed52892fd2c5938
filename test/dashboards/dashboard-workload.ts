import { request } from 'node:http';
import { monitor } from '../../src/index.js';
import type { MonitoringError } from '../../src/monitoring-error.js';
import { startFakeOpenAI } from '../support/fake-openai-server.js';
import { startLokiReceiver } from '../support/loki-receiver.js';
import { startLoopbackServer, type CapturedHttpRequest, type HttpAnswer } from '../support/loopback-server.js';
import { newClient } from '../support/openai-sdk.js';

/**
 * A workload that gives every panel of dashboards/ something to show, pushed
 * by the real `openai` SDK and `monitor()` into a real Prometheus:
 * chat calls, a stream (time to first chunk), a Responses call with cached
 * input, failed calls (429 and 500), a model without a price, rate-limit
 * headers (the fixtures carry them), a refused Loki push (dropped log lines,
 * a push failure) and a refused remote-write push (dropped samples).
 *
 * The native series are cumulative and sent at every flush, so the calls come
 * in two rounds with flushes between: `rate()` needs two samples per series
 * in its window, and a quantile over `rate()` needs the counts to grow.
 */

/** The model without a price: a self-hosted one behind an OpenAI-compatible server. */
export const UNPRICED_MODEL = 'acme-7b-chat';

export interface WorkloadResult {
  /** Calls that succeeded: one sample each on every compatible series (the unpriced one has no cost sample). */
  readonly succeeded: number;
  readonly failed: number;
  /** What on_error reported, e.g. `GOM_PUSH_REJECTED metrics`. */
  readonly reported: string[];
}

/** Forwards remote-write pushes to Prometheus; refuses the next `rejectNext` with 400 (a batch Prometheus would refuse). */
async function startRemoteWriteGate(writeUrl: string): Promise<{ url: string; rejectNext: number; close(): Promise<void> }> {
  const gate = {
    url: '',
    rejectNext: 0,
    close: async (): Promise<void> => undefined,
  };
  const forward = (req: CapturedHttpRequest): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'content-encoding', 'x-prometheus-remote-write-version', 'user-agent']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const out = request(writeUrl, { method: 'POST', headers: { ...headers, 'content-length': String(req.body.length) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(req.body);
    });
  const server = await startLoopbackServer((req) => {
    if (gate.rejectNext > 0) {
      gate.rejectNext -= 1;
      return { status: 400, body: 'out of order sample' };
    }
    return forward(req);
  });
  gate.url = `${server.origin}/api/v1/write`;
  gate.close = () => server.close();
  return gate;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs the workload with `environment` and returns once `shutdown()` has
 * delivered everything.
 *
 * @example
 * const result = await runDashboardWorkload(prom.server.writeUrl, 'dash-e2e');
 */
export async function runDashboardWorkload(writeUrl: string, environment: string): Promise<WorkloadResult> {
  const fake = await startFakeOpenAI();
  // Loki refuses the first push: its lines are dropped (reason "rejected") and the attempt counts as failed.
  let lokiPushes = 0;
  const loki = await startLokiReceiver({ respond: () => (++lokiPushes === 1 ? { status: 400, body: 'entry too far behind' } : undefined) });
  const gate = await startRemoteWriteGate(writeUrl);
  const reported: string[] = [];
  let succeeded = 0;
  let failed = 0;
  try {
    fake.replyWith((req) => {
      const model = (req.body as { model?: unknown } | undefined)?.model;
      if (model !== UNPRICED_MODEL) return undefined;
      return {
        body: {
          id: 'chatcmpl-dash', object: 'chat.completion', created: 1755133835, model: UNPRICED_MODEL,
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop', logprobs: null }],
          usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
        },
      };
    });
    const client = newClient(fake);
    const watched = monitor(client, {
      metrics_url: gate.url,
      logs_url: loki.url,
      environment,
      flush_interval_ms: 60_000, // flushes are the test's
      on_error: (err: MonitoringError) => void reported.push(`${err.code} ${err.signal ?? ''}`),
    });
    const messages = [{ role: 'user' as const, content: 'Say hello' }];
    const round = async (errorFixture: string): Promise<void> => {
      await client.chat.completions.create({ model: 'gpt-4.1', messages });
      for await (const chunk of await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true })) void chunk;
      await client.responses.create({ model: 'gpt-4.1', input: 'This was a large input...' }, { headers: { 'x-fixture': 'responses.cached-input.gpt-4.1' } });
      await client.chat.completions.create({ model: UNPRICED_MODEL, messages });
      succeeded += 4;
      fake.reply(errorFixture);
      await client.chat.completions.create({ model: 'gpt-4.1', messages }).then(
        () => {
          throw new Error(`${errorFixture} did not fail`);
        },
        () => void (failed += 1),
      );
    };
    // Flushes are some ms apart: one series gets at most one sample per ms (sample-lane.ts).
    await round('errors.429.rate_limit_exceeded.ASSEMBLED');
    await watched.flush(); // native series' first samples; Loki refuses the lines
    await pause(20);
    gate.rejectNext = 1;
    await watched.flush(); // remote-write refused: samples dropped, counted
    await pause(20);
    await round('errors.500.server_error');
    await watched.flush(); // the counts grew; the drop counters arrive
    await pause(20);
    await watched.flush(); // a second sample of every counter
    await pause(20);
    await watched.shutdown();
  } finally {
    await Promise.all([fake.close(), loki.close(), gate.close()]);
  }
  return { succeeded, failed, reported };
}
