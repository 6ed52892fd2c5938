import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  backoffMs,
  classifyResponse,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  mayRetry,
  parseRetryAfter,
  retryDelayMs,
} from '../../../src/export/http/retry-policy.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('classifyResponse (wire-protocols.md §9)', () => {
  it('treats 200, 202 and 204 as written, and 260 as written for metrics', () => {
    for (const status of [200, 202, 204, 260]) assert.equal(classifyResponse(status, 'metrics'), 'success', String(status));
  });

  it("treats Loki's 260 as not written, and not retryable", () => {
    assert.equal(classifyResponse(260, 'logs'), 'not_written');
    assert.equal(isRetryable('not_written'), false);
  });

  it('retries 429 and every 5xx including 529', () => {
    assert.equal(classifyResponse(429, 'logs'), 'rate_limited');
    for (const status of [500, 502, 503, 504, 529]) {
      assert.equal(classifyResponse(status, 'metrics'), 'server_error', String(status));
    }
    assert.ok(isRetryable('rate_limited') && isRetryable('server_error'));
  });

  it('reports 404 and 415 as configuration errors, never retried (B6)', () => {
    assert.equal(classifyResponse(404, 'metrics'), 'endpoint_config');
    assert.equal(classifyResponse(415, 'metrics'), 'endpoint_config');
    assert.equal(isRetryable('endpoint_config'), false);
  });

  it("reports VictoriaMetrics' 400 unsupported path as a configuration error (D11)", () => {
    assert.equal(classifyResponse(400, 'metrics', 'unsupported path requested: "/api/v1/push"'), 'endpoint_config');
  });

  it('rejects without retry every other 4xx (B5, B6)', () => {
    for (const status of [400, 401, 403, 405, 409, 422]) {
      assert.equal(classifyResponse(status, 'metrics', 'out of order sample'), 'rejected', String(status));
    }
    assert.equal(isRetryable('rejected'), false);
  });

  it("takes 413, and Mimir's 400 about the message size, as too large: never resent as they are (§9)", () => {
    assert.equal(classifyResponse(413, 'metrics'), 'too_large');
    assert.equal(classifyResponse(413, 'logs', '<html>413 Request Entity Too Large</html>'), 'too_large');
    const mimir = 'the incoming push request has been rejected because its message size of 2097152 bytes is larger than the allowed limit of 1048576 bytes (err-mimir-distributor-max-write-message-size)';
    assert.equal(classifyResponse(400, 'metrics', mimir), 'too_large');
    assert.equal(isRetryable('too_large'), false);
  });

  it("keeps Loki's 400 for one over-long line a plain rejection: its other lines were written (§4, E18)", () => {
    const loki = "Max entry size '262144' bytes exceeded for stream '{job=\"x\"}' while adding an entry with length '300000' bytes";
    assert.equal(classifyResponse(400, 'logs', loki), 'rejected');
    assert.equal(classifyResponse(400, 'metrics', 'out of order sample; the message size was fine'), 'rejected');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    assert.equal(parseRetryAfter('2', NOW), 2000);
    assert.equal(parseRetryAfter(' 0 ', NOW), 0);
  });

  it('reads an HTTP-date as the time until then (B8)', () => {
    assert.equal(parseRetryAfter(new Date(NOW + 3000).toUTCString(), NOW), 3000);
  });

  it('gives 0 for an HTTP-date in the past', () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW), 0);
  });

  it('ignores a missing or unparseable value', () => {
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
    assert.equal(parseRetryAfter('', NOW), undefined);
    assert.equal(parseRetryAfter('soon', NOW), undefined);
    assert.equal(parseRetryAfter('-5', NOW), undefined);
    assert.equal(parseRetryAfter('1.5', NOW), undefined);
  });
});

describe('retry delays', () => {
  it('honours Retry-After over the backoff (B7)', () => {
    assert.equal(retryDelayMs(1, 2000, DEFAULT_RETRY_POLICY, () => 0), 2000);
  });

  it('caps Retry-After at 60 s (B9)', () => {
    assert.equal(retryDelayMs(1, 86_400_000, DEFAULT_RETRY_POLICY), 60_000);
  });

  it('starts backoff at 250 ms at most and doubles it per attempt', () => {
    const low = (attempt: number): number => backoffMs(attempt, DEFAULT_RETRY_POLICY, () => 0);
    const high = (attempt: number): number => backoffMs(attempt, DEFAULT_RETRY_POLICY, () => 1);
    assert.equal(high(1), 250);
    assert.equal(high(2), 500);
    assert.equal(high(3), 1000);
    for (let attempt = 2; attempt < 8; attempt++) {
      assert.ok(low(attempt) >= high(attempt - 1), `attempt ${attempt} never waits less than the previous one could`);
    }
  });

  it('caps backoff at 30 s', () => {
    assert.equal(backoffMs(40, DEFAULT_RETRY_POLICY, () => 1), 30_000);
    assert.equal(backoffMs(40, DEFAULT_RETRY_POLICY, () => 0), 15_000);
  });

  it('adds jitter: different random draws give different waits within [cap/2, cap] (B10)', () => {
    const waits = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const wait = backoffMs(4, DEFAULT_RETRY_POLICY);
      assert.ok(wait >= 1000 && wait <= 2000, String(wait));
      waits.add(wait);
    }
    assert.ok(waits.size > 5);
  });
});

describe('mayRetry', () => {
  const base = { attempt: 1, nextAttemptAtMs: NOW + 250, oldestDataMs: NOW, deadlineMs: undefined };

  it('allows a retry while attempts, data age and deadline allow', () => {
    assert.equal(mayRetry(base, DEFAULT_RETRY_POLICY), true);
  });

  it('stops after the maximum number of attempts (B12)', () => {
    assert.equal(mayRetry({ ...base, attempt: DEFAULT_RETRY_POLICY.maxAttempts }, DEFAULT_RETRY_POLICY), false);
  });

  it('stops when the data would be older than the age bound at the next attempt', () => {
    const tooLate = NOW + DEFAULT_RETRY_POLICY.maxDataAgeMs + 1;
    assert.equal(mayRetry({ ...base, nextAttemptAtMs: tooLate }, DEFAULT_RETRY_POLICY), false);
  });

  it('stops when the next attempt would start at or after the exit deadline', () => {
    assert.equal(mayRetry({ ...base, deadlineMs: NOW + 250 }, DEFAULT_RETRY_POLICY), false);
    assert.equal(mayRetry({ ...base, deadlineMs: NOW + 251 }, DEFAULT_RETRY_POLICY), true);
  });
});
