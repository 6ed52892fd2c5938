import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadOpenAI } from '../support/openai-sdk';
import { runNodeScript } from '../support/run-node-script';

/**
 * A stream the app never iterates is recorded once it is garbage-collected,
 * as `abandoned` (issue 22 item 8). Garbage collection is the process's, so a
 * child process forces it.
 */

const sdk = loadOpenAI();

describe(`a stream the app never reads (openai ${sdk.version})`, () => {
  it('is recorded once, as abandoned, when the Stream is garbage-collected; a stream read through a kept iterator is not', async () => {
    const result = await runNodeScript(`require(${JSON.stringify(join(__dirname, 'abandoned-stream-app.js'))})`, {}, 30_000);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as {
      abandonedFirst: string[];
      all: { outcome: string; durationS: number; stream: boolean }[];
    };
    assert.deepEqual(report.abandonedFirst, ['abandoned'], 'recorded after collection, before the other stream was read');
    assert.deepEqual(report.all.map((o) => o.outcome), ['abandoned', 'ok']);
    assert.ok(report.all[0].stream && report.all[0].durationS > 0 && report.all[0].durationS < 5, JSON.stringify(report.all[0]));
  });
});
