import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CumulativeHistogram } from '../../src/record/cumulative-histogram';
import { ExemplarChoice } from '../../src/record/exemplar-choice';

const sampled = (n: number) => ({ traceId: String(n).padStart(32, '0'), spanId: '051581bf3cb55c13', sampled: true });

describe('ExemplarChoice', () => {
  it('keeps the largest value offered since the last take, then starts over', () => {
    const choice = new ExemplarChoice();
    choice.offer(sampled(1), 0.2, 1000);
    choice.offer(sampled(2), 1.5, 1001);
    choice.offer(sampled(3), 0.9, 1002);
    assert.deepEqual(choice.take(), { traceId: sampled(2).traceId, value: 1.5, timestampMs: 1001 });
    assert.equal(choice.take(), undefined);
    choice.offer(sampled(4), 0.1, 1003);
    assert.equal(choice.take()?.traceId, sampled(4).traceId);
  });

  it('ignores calls outside a span, in unsampled traces, or with a value that is not finite', () => {
    const choice = new ExemplarChoice();
    choice.offer(undefined, 9, 1000);
    choice.offer({ ...sampled(1), sampled: false }, 9, 1000);
    choice.offer(sampled(2), NaN, 1000);
    assert.equal(choice.take(), undefined);
  });
});

describe('CumulativeHistogram exemplars', () => {
  it("puts the interval's exemplar on the bucket its value falls in, once", () => {
    const h = new CumulativeHistogram('d', [0.1, 1, 10]);
    const cell = h.cell({ op: 'chat' }, 'chat');
    assert.ok(cell);
    for (const [n, v] of [[1, 0.05], [2, 3], [3, 0.5]] as const) {
      h.observeIn(cell, v);
      h.offerExemplarIn(cell, v, sampled(n), 1000 + n);
    }
    const first = [...h.collect()].filter((p) => p.exemplar !== undefined);
    assert.equal(first.length, 1);
    assert.equal(first[0].series.labels.find((l) => l.name === 'le')?.value, '10');
    assert.deepEqual(first[0].exemplar, { traceId: sampled(2).traceId, value: 3, timestampMs: 1002 });
    assert.deepEqual([...h.collect()].filter((p) => p.exemplar !== undefined), [], 'sent once');
  });
});
