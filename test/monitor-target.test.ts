import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chat_v2, monitor, responses } from '../src/index';
import { MonitoringError } from '../src/monitoring-error';
import { loadOpenAI } from './support/openai-sdk';

const sdk = loadOpenAI();
// Validation of the client comes first: none of these reaches an exporter.
const options = { metrics_url: 'http://127.0.0.1:9/api/v1/write', logs_url: 'http://127.0.0.1:9', flush_interval_ms: 60_000 };

function invalidClient(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof MonitoringError, String(err));
    assert.equal(err.code, 'GOM_INVALID_CLIENT');
    assert.match(err.message, pattern);
    assert.match(err.message, /pass an openai client \(new OpenAI\(\), new AzureOpenAI\(\)\) or a client class \(OpenAI, AzureOpenAI or a subclass\)/);
    return true;
  };
}

describe('what monitor() accepts as its client', () => {
  it('says undefined and null were passed, and what is expected', () => {
    assert.throws(() => chat_v2.monitor(undefined as unknown as object, options), invalidClient(/^monitor\(\) got undefined: /));
    assert.throws(() => monitor(null as unknown as object, options), invalidClient(/^monitor\(\) got null: /));
  });

  it('names a string without showing it: it may be the API key', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz';
    assert.throws(() => chat_v2.monitor(key as unknown as object, options), (err: unknown) => {
      invalidClient(/got a string \(value not shown\)/)(err);
      assert.ok(!(err as Error).message.includes('abcdefghij'));
      return true;
    });
  });

  it('tells a class that is not an openai client class by its name', () => {
    class Database {}
    assert.throws(() => monitor(Database, options), invalidClient(/got a function named Database, which is not an openai client class/));
  });

  it('points at the class when given the openai module namespace (import * as openai)', () => {
    const namespace = { default: sdk.OpenAI, OpenAI: sdk.OpenAI, AzureOpenAI: sdk.AzureOpenAI };
    assert.throws(() => monitor(namespace, options), invalidClient(/the openai module object itself: pass its class \(openai\.OpenAI\)/));
  });

  it('names the class of an object that is not a client, and what it lacks', () => {
    class Wrapper {}
    assert.throws(() => chat_v2.monitor(new Wrapper(), options), invalidClient(/got an object of class Wrapper, which has no client\.chat\.completions\.create/));
    assert.throws(() => chat_v2.monitor({}, options), invalidClient(/got a plain object/));
  });

  it('refuses a class without the endpoint of a single-endpoint entry point', () => {
    class ChatOnly {
      static Chat = sdk.OpenAI.Chat;
    }
    assert.throws(() => responses.monitor(ChatOnly, options), /got a function named ChatOnly/);
  });
});
