import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chat_v2, embeddings, monitor } from '../src/index.js';
import { MonitoringError } from '../src/monitoring-error.js';

const local = { metrics_url: 'http://127.0.0.1:9/api/v1/write', logs_url: 'http://127.0.0.1:9' };

function rejectsClient(call: () => unknown, said: string): void {
  assert.throws(call, (err: unknown) => {
    assert.ok(err instanceof MonitoringError, String(err));
    assert.equal(err.code, 'GOM_INVALID_CLIENT');
    assert.ok(err.message.includes(said), `should say what was passed (${said}): ${err.message}`);
    assert.ok(err.message.includes('OpenAI'), `should say what is expected: ${err.message}`);
    return true;
  });
}

describe('a value that is not an openai client, passed to monitor()', () => {
  it('says undefined was passed, not that nothing was', () => rejectsClient(() => chat_v2.monitor(undefined as never, local), 'got undefined'));
  it('says null was passed', () => rejectsClient(() => monitor(null as never, local), 'got null'));
  it('names a string as a string and never echoes it (it may be the API key)', () => {
    rejectsClient(() => chat_v2.monitor('sk-proj-secret-key' as never, local), 'got a string');
    assert.throws(() => chat_v2.monitor('sk-proj-secret-key' as never, local), (err: Error) => !err.message.includes('sk-proj'));
  });
  it('names a number', () => rejectsClient(() => embeddings.monitor(42 as never, local), 'got a number'));
  it('names an object of another class by its class', () => rejectsClient(() => chat_v2.monitor(new Map(), local), 'got an object of class Map'));
  it('names a plain object without the endpoint', () => rejectsClient(() => chat_v2.monitor({ chat: {} }, local), 'got a plain object'));
});
