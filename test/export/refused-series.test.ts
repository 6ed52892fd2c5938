import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefusedSeries } from '../../src/export/refused-series';
import { makeSeries } from '../../src/export/series';

const long = 'm'.repeat(300);
const a = makeSeries('gen_ai_client_token_usage_bucket', { gen_ai_response_model: long, le: '1' });
const b = makeSeries('gen_ai_client_token_usage_sum', { gen_ai_response_model: long });
const other = makeSeries('gen_ai_client_token_usage_sum', { gen_ai_response_model: 'gpt-4o' });

describe('series a receiver refused by name', () => {
  it('refuses nothing until a receiver names something', () => {
    const refused = new RefusedSeries();
    assert.equal(refused.active, false);
    assert.equal(refused.learn('out of order sample'), false);
    assert.equal(refused.active, false);
  });

  it('refuses every series holding a label value Mimir refused, not only the series it named', () => {
    const refused = new RefusedSeries();
    const answer = `received a series whose label value length of 300 exceeds the limit of 100, label: 'gen_ai_response_model', value: '${long.slice(0, 200)}' (truncated) series: 'gen_ai_client_token_usage_bucket{gen_ai_response_model="${long.slice(0, 150)}' (err-mimir-label-value-too-long)`;
    assert.equal(refused.learn(answer), true);
    assert.deepEqual([refused.refuses(a), refused.refuses(b), refused.refuses(other)], [true, true, false]);
  });

  it('refuses the series Mimir named when the cause is the series, e.g. too many labels', () => {
    const refused = new RefusedSeries();
    refused.learn(`received a series whose number of labels exceeds the limit (actual: 31, limit: 30) series: 'gen_ai_client_token_usage_sum{gen_ai_response_model="gpt-4o"}' (err-mimir-max-label-names-per-series)`);
    assert.deepEqual([refused.refuses(other), refused.refuses(b)], [true, false]);
  });
});
