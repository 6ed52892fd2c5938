import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { chat_v2, type Monitor } from '../src/index';
import type { MonitorOptions } from '../src/monitor-options';
import { MonitoringError } from '../src/monitoring-error';
import { startFakeOpenAI, type FakeOpenAI } from './support/fake-openai-server';
import { startLokiReceiver, type LokiReceiver } from './support/loki-receiver';
import { newClient } from './support/openai-sdk';
import { startRemoteWriteReceiver, type ReceivedRemoteWrite, type RemoteWriteReceiver } from './support/remote-write-receiver';

/**
 * monitor()'s `headers` option through the real openai SDK (vector B2): a
 * tenant header reaches both receivers, a header the library sets is refused
 * before anything is patched, and two tenants never share an exporter.
 */

const messages = [{ role: 'user' as const, content: 'Say hello' }];

/** Data samples of `name` in a request (a request carries the exporter's own counters too). */
function countOf(req: ReceivedRemoteWrite, name: string): number {
  return (req.series ?? []).filter((s) => s.labels.some((l) => l.name === '__name__' && l.value === name)).reduce((n, s) => n + s.samples.length, 0);
}

describe('monitor() with the headers option', () => {
  let fake: FakeOpenAI;
  let prom: RemoteWriteReceiver;
  let loki: LokiReceiver;
  let monitors: Monitor[] = [];

  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());
  beforeEach(async () => {
    fake.reset();
    prom = await startRemoteWriteReceiver();
    loki = await startLokiReceiver();
  });
  afterEach(async () => {
    await Promise.all(monitors.map((m) => m.shutdown()));
    monitors = [];
    await prom.close();
    await loki.close();
  });

  function options(headers: Record<string, string>): MonitorOptions {
    return { metrics_url: prom.url, logs_url: loki.url, instance: 'host-a:1', flush_interval_ms: 60_000, headers };
  }

  it('sends X-Scope-OrgID with every push of both signals', async () => {
    const client = newClient(fake);
    const monitor = chat_v2.monitor(client, options({ 'X-Scope-OrgID': 'team-search' }));
    monitors.push(monitor);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await monitor.flush();
    assert.ok(prom.samplesOf('openai_totalTokens').length === 1 && loki.entries().length === 1, 'the call arrived');
    for (const req of [...prom.requests, ...loki.requests]) assert.equal(req.headers['x-scope-orgid'], 'team-search');
    assert.deepEqual([...prom.violations, ...loki.violations], []);
  });

  it('refuses a header the library sets, naming headers and the header, and leaves the client as it was', () => {
    const client = newClient(fake);
    const original = client.chat.completions.create;
    for (const header of ['Content-Encoding', 'Authorization', 'X-Prometheus-Remote-Write-Version']) {
      assert.throws(
        () => chat_v2.monitor(client, options({ [header]: 'some-value-1234' })),
        (err: unknown) =>
          err instanceof MonitoringError &&
          err.code === 'GOM_INVALID_OPTION' &&
          err.option === 'headers' &&
          err.message.startsWith(`headers: ${header} is `) &&
          err.message.includes('remove it') &&
          !err.message.includes('some-value-1234'),
      );
    }
    assert.equal(client.chat.completions.create, original);
  });

  it('keeps two tenants apart: each monitor pushes each call with its own X-Scope-OrgID', async () => {
    const client = newClient(fake);
    const first = chat_v2.monitor(client, options({ 'X-Scope-OrgID': 'tenant-a' }));
    const second = chat_v2.monitor(client, options({ 'X-Scope-OrgID': 'tenant-b' }));
    monitors.push(first, second);
    await client.chat.completions.create({ model: 'gpt-4.1', messages });
    await Promise.all([first.flush(), second.flush()]);
    for (const tenant of ['tenant-a', 'tenant-b']) {
      const requests = prom.requests.filter((r) => r.headers['x-scope-orgid'] === tenant);
      assert.equal(requests.reduce((n, r) => n + countOf(r, 'openai_totalTokens'), 0), 1, `${tenant} got the call once`);
      assert.equal(loki.requests.filter((r) => r.headers['x-scope-orgid'] === tenant).reduce((n, r) => n + r.entries.length, 0), 1);
    }
    assert.equal(prom.requests.length, 2, 'one push per tenant: no request carries both');
  });
});
