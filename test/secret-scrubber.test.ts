import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretScrubber } from '../src/secret-scrubber';

const azureKey = '0123456789abcdef0123456789abcdef';
const oddKey = 'or-v1-a+b/c=d"e\\f?g&h 1234567890';

describe('removing the monitor\'s secrets from text', () => {
  it('removes a key of any shape as it is', () => {
    const scrubber = new SecretScrubber([azureKey]);
    assert.equal(scrubber.scrub(`upstream rejected key ${azureKey}.`), 'upstream rejected key [redacted].');
  });

  it('removes it as JSON escapes it inside a string', () => {
    const scrubber = new SecretScrubber([oddKey]);
    const json = JSON.stringify({ error: { message: `bad key ${oddKey}` } });
    const safe = scrubber.scrub(json);
    assert.ok(!safe.includes(JSON.stringify(oddKey).slice(1, -1)), safe);
    assert.deepEqual(JSON.parse(safe), { error: { message: 'bad key [redacted]' } });
  });

  it('removes it URL-encoded, as a query string echoes it', () => {
    const scrubber = new SecretScrubber([oddKey]);
    const safe = scrubber.scrub(`GET https://proxy/v1/models?key=${encodeURIComponent(oddKey)}&x=1`);
    assert.equal(safe, 'GET https://proxy/v1/models?key=[redacted]&x=1');
  });

  for (const user of ['', 'u', 'us', 'user1', 'apikey']) {
    it(`removes it from an echoed basic-auth header "${user}:<key>" (base64 at offset ${(user.length + 1) % 3})`, () => {
      const scrubber = new SecretScrubber([azureKey]);
      const header = `Basic ${Buffer.from(`${user}:${azureKey}`).toString('base64')}`;
      assert.equal(scrubber.scrub(`proxy saw Authorization: ${header} and refused`), 'proxy saw Authorization: Basic [redacted] and refused');
    });
  }

  it('removes it from base64url text', () => {
    const scrubber = new SecretScrubber([oddKey]);
    const token = Buffer.from(`{"k":"${oddKey}"}`).toString('base64url');
    assert.equal(scrubber.scrub(`jwt=${token};`), 'jwt=[redacted];');
  });

  it('leaves placeholder keys such as "ollama" alone, and text without the key as it was', () => {
    const scrubber = new SecretScrubber(['ollama', 'EMPTY', undefined]);
    assert.equal(scrubber.empty, true);
    assert.equal(scrubber.scrub('ollama answered EMPTY'), 'ollama answered EMPTY');
    const image = Buffer.from(Array.from({ length: 30000 }, (_, i) => i % 251)).toString('base64');
    assert.equal(new SecretScrubber([azureKey]).scrub(image), image);
  });
});
