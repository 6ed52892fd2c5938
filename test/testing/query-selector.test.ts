import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineMatches, parseLogQuery, parsePromSelector, selectorMatches, UnsupportedQueryError } from '../../src/testing/query-selector';

describe('the query subset the testing receivers answer', () => {
  it('reads a metric name and matchers with every PromQL operator and quote style', () => {
    assert.deepEqual(parsePromSelector(` openai_usageCost{ model=~"gpt-4o.*", env!='dev', job="a\\"b", path=\`c\\d\` , } `), [
      { name: '__name__', op: '=', value: 'openai_usageCost' },
      { name: 'model', op: '=~', value: 'gpt-4o.*' },
      { name: 'env', op: '!=', value: 'dev' },
      { name: 'job', op: '=', value: 'a"b' },
      { name: 'path', op: '=', value: 'c\\d' },
    ]);
    assert.deepEqual(parsePromSelector('{__name__="up"}'), [{ name: '__name__', op: '=', value: 'up' }]);
  });

  it('refuses what is not a bare vector selector, and a bad regex, naming the position', () => {
    assert.throws(() => parsePromSelector('rate(up[5m])'), UnsupportedQueryError);
    assert.throws(() => parsePromSelector('up{job="a"} + 1'), /unexpected text/);
    assert.throws(() => parsePromSelector('up{job="a}'), /unterminated string/);
    assert.throws(() => parsePromSelector('up{job=~"("}'), /invalid regular expression/);
    assert.throws(() => parsePromSelector(''), UnsupportedQueryError);
  });

  it('matches as Prometheus does: regexes anchored, an absent label equal to ""', () => {
    const labels = { __name__: 'up', model: 'gpt-4o-mini' };
    assert.equal(selectorMatches(labels, parsePromSelector('up{model=~"gpt-4o"}')), false);
    assert.equal(selectorMatches(labels, parsePromSelector('up{model=~"gpt-4o.*"}')), true);
    assert.equal(selectorMatches(labels, parsePromSelector('up{model!~"gpt.*"}')), false);
    assert.equal(selectorMatches(labels, parsePromSelector('up{env=""}')), true);
    assert.equal(selectorMatches(labels, parsePromSelector('up{env!=""}')), false);
    assert.equal(selectorMatches(labels, parsePromSelector('down')), false);
  });

  it('reads a LogQL stream selector with line filters, which are not anchored', () => {
    const query = parseLogQuery('{job="x", level=~"info|warn"} |= "check" != "skip" |~ "id-[0-9]+" !~ "^debug"');
    assert.deepEqual(query.filters.map((f) => f.op), ['|=', '!=', '|~', '!~']);
    assert.equal(lineMatches('check id-42', query.filters), true);
    assert.equal(lineMatches('check id-42 skip', query.filters), false);
    assert.equal(lineMatches('debug check id-42', query.filters), false);
    assert.equal(selectorMatches({ job: 'x', level: 'warn' }, query.matchers), true);
  });

  it('refuses a log query without a selector or with a parser stage', () => {
    assert.throws(() => parseLogQuery('|= "x"'), /starts with a stream selector/);
    assert.throws(() => parseLogQuery('{}'), /at least one matcher/);
    assert.throws(() => parseLogQuery('{job="x"} | json'), /only line filters/);
  });
});
