import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { encodeWriteRequest } from '../../../src/export/remote-write/encode-write-request.js';
import { compressSnappyBlock } from '../../../src/export/remote-write/snappy-block.js';
import { makeSeries, Sample, Series } from '../../../src/export/series.js';
import { RemoteWriteReceiver, startRemoteWriteReceiver } from '../../support/remote-write-receiver.js';
import { decodeWriteRequest as decode } from '../../support/remote-write-wire-check.js';
import { sendRequest } from '../../support/send-request.js';

// Expected bytes are the vectors of reference/wire-test-vectors.md §A (checked
// there against protobufjs' generated prom.js); structure is checked by decoding
// with prometheus-remote-write's own decoder, never with ours.

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const T0 = 1700000000000;

/** The encoded `09 <8 bytes>` value field and `10 <varint>` timestamp field of a one-sample request on series `m`. */
function sampleFieldsHex(value: number, timestampMs: number): string {
  const body = hex(encodeWriteRequest([{ series: makeSeries('m', {}), value, timestampMs }]));
  const labels = '0a0d0a085f5f6e616d655f5f12016d';
  const at = body.indexOf(labels);
  assert.ok(at >= 0, `label block of m not found in ${body}`);
  return body.slice(at + labels.length + 4); // skip `12 <len>` of the Sample
}

describe('encodeWriteRequest', () => {
  it('encodes one sample byte for byte as vector A1 (85 bytes)', () => {
    const series = makeSeries('openai_tokens_total', { job: 'openai', model: 'gpt-4o' });
    const body = encodeWriteRequest([{ series, value: 42, timestampMs: T0 }]);
    assert.equal(body.length, 85);
    assert.equal(
      hex(body),
      '0a530a1f0a085f5f6e616d655f5f12136f70656e61695f746f6b656e735f746f74616c0a0d0a036a6f6212066f70656e61690a0f0a056d6f64656c12066770742d346f12100900000000000045401080d095ffbc31',
    );
  });

  it('writes UTF-8 label values with quotes, newlines and emoji as vector A8', () => {
    const series = makeSeries('m', { txt: 'héllo "wörld"\nline2\\ 日本 🚀' });
    assert.equal(
      hex(encodeWriteRequest([{ series, value: 1, timestampMs: T0 }])),
      '0a4c0a0d0a085f5f6e616d655f5f12016d0a290a03747874122268c3a96c6c6f202277c3b6726c64220a6c696e65325c20e697a5e69cac20f09f9a80121009000000000000f03f1080d095ffbc31',
    );
  });

  it('puts labels on the wire byte-wise sorted, __name__ not first (A4)', async () => {
    const series = makeSeries('zz_metric', { zeta: '1', Zed: '2', job: '3', a_b: '4', a: '5', ab: '6' });
    const decoded = await decode(encodeWriteRequest([{ series, value: 1, timestampMs: T0 }]));
    assert.deepEqual(decoded[0].labels.map((l) => l.name), ['Zed', '__name__', 'a', 'a_b', 'ab', 'job', 'zeta']);
  });

  it('leaves a label whose value is empty off the wire (A5)', async () => {
    const series = makeSeries('m', { env: '', job: 'x' });
    const decoded = await decode(encodeWriteRequest([{ series, value: 1, timestampMs: T0 }]));
    assert.deepEqual(decoded[0].labels, [
      { name: '__name__', value: 'm' },
      { name: 'job', value: 'x' },
    ]);
  });

  it('writes doubles bit-exact: 0, -0, NaN, +Inf, -Inf, 1.5, 42 (A9)', () => {
    const cases: [number, string][] = [
      [0, '0000000000000000'],
      [-0, '0000000000000080'],
      [NaN, '000000000000f87f'],
      [Infinity, '000000000000f07f'],
      [-Infinity, '000000000000f0ff'],
      [1.5, '000000000000f83f'],
      [42, '0000000000004540'],
    ];
    for (const [value, bits] of cases) {
      assert.equal(sampleFieldsHex(value, T0).slice(0, 18), '09' + bits, `value ${value}`);
    }
  });

  it('keeps the stale-marker NaN payload bit-exact, as vector A10', () => {
    const bits = new DataView(new ArrayBuffer(8));
    bits.setBigUint64(0, 0x7ff0000000000002n, true);
    const staleNaN = bits.getFloat64(0, true);
    assert.equal(
      hex(encodeWriteRequest([{ series: makeSeries('up', {}), value: staleNaN, timestampMs: T0 }])),
      '0a220a0e0a085f5f6e616d655f5f12027570121009020000000000f07f1080d095ffbc31',
    );
  });

  it('writes timestamps as int64 varints, not zigzag; -1 takes 10 bytes (A11)', () => {
    assert.equal(sampleFieldsHex(1, T0).slice(18), '1080d095ffbc31');
    assert.equal(sampleFieldsHex(1, 0).slice(18), '1000');
    assert.equal(sampleFieldsHex(1, -1).slice(18), '10ffffffffffffffffff01');
    assert.equal(sampleFieldsHex(1, 2 ** 53 - 1).slice(18), '10ffffffffffffff0f');
  });

  it('floors a fractional timestamp instead of throwing (A11)', async () => {
    const series = makeSeries('m', {});
    const decoded = await decode(encodeWriteRequest([{ series, value: 1, timestampMs: T0 + 0.9 }]));
    assert.equal(decoded[0].samples[0].timestampMs, T0);
  });

  it('sends value 0 at timestamp 0 explicitly and they decode back as 0 (A12)', async () => {
    assert.equal(sampleFieldsHex(0, 0), '090000000000000000' + '1000');
    const decoded = await decode(encodeWriteRequest([{ series: makeSeries('m', {}), value: 0, timestampMs: 0 }]));
    assert.equal(decoded[0].samples[0].value, 0);
    assert.equal(decoded[0].samples[0].timestampMs, 0);
  });

  it('groups samples into one TimeSeries per series, in first-seen order', async () => {
    const a = makeSeries('a_total', { job: 'x' });
    const b = makeSeries('b_total', { job: 'x' });
    const aAgain = makeSeries('a_total', { job: 'x' }); // another object, same key
    const decoded = await decode(
      encodeWriteRequest([
        { series: b, value: 1, timestampMs: T0 },
        { series: a, value: 2, timestampMs: T0 },
        { series: b, value: 3, timestampMs: T0 + 1 },
        { series: aAgain, value: 4, timestampMs: T0 + 1 },
      ]),
    );
    assert.deepEqual(
      decoded.map((ts) => [ts.labels[0].value, ts.samples.map((s) => s.value)]),
      [['b_total', [1, 3]], ['a_total', [2, 4]]],
    );
  });

  it('orders the samples of a series by timestamp, keeping input order for equal ones', async () => {
    const s = makeSeries('m', {});
    const input: Sample[] = [30, 10, 20, 10].map((dt, i) => ({ series: s, value: i, timestampMs: T0 + dt }));
    const decoded = await decode(encodeWriteRequest(input));
    assert.deepEqual(
      decoded[0].samples.map((x) => [x.timestampMs - T0, x.value]),
      [[10, 1], [10, 3], [20, 2], [30, 0]],
    );
  });

  it('keeps 1,000 ascending samples of one series in order (A14)', async () => {
    const s = makeSeries('m', {});
    const input = Array.from({ length: 1000 }, (_, i) => ({ series: s, value: i / 7, timestampMs: T0 + i * 15000 }));
    const decoded = await decode(encodeWriteRequest(input));
    assert.equal(decoded.length, 1);
    assert.deepEqual(
      decoded[0].samples.map((x) => [x.value, x.timestampMs]),
      input.map((x) => [x.value, x.timestampMs]),
    );
  });

  it('encodes 10,000 series that all decode back, 538,890 bytes raw (A13)', async () => {
    const series: Series[] = Array.from({ length: 10000 }, (_, i) => makeSeries('probe_big', { i: String(i) }));
    const body = encodeWriteRequest(series.map((s) => ({ series: s, value: 1, timestampMs: T0 })));
    assert.equal(body.length, 538890);
    const decoded = await decode(body);
    assert.equal(decoded.length, 10000);
    assert.deepEqual(decoded[9999].labels, [
      { name: '__name__', value: 'probe_big' },
      { name: 'i', value: '9999' },
    ]);
  });

  it('encodes the same bytes again once label blocks are cached, into memory of its own', () => {
    const s = makeSeries('m', { job: 'x' });
    const first = encodeWriteRequest([{ series: s, value: 1, timestampMs: T0 }]);
    const second = encodeWriteRequest([{ series: s, value: 1, timestampMs: T0 }]);
    assert.equal(hex(second), hex(first));
    first[0] = 0xff; // a caller may keep or reuse a body: results must not share memory
    assert.equal(second[0], 0x0a);
  });

  it('writes an exemplar as TimeSeries field 3 (prompb Exemplar: trace_id label, value, timestamp), decoded by prometheus-remote-write', async () => {
    const bucket = makeSeries('d_bucket', { le: '0.64' });
    const exemplar = { traceId: '5b8aa5a2d2c872e8321cf37308d69df2', value: 0.5123, timestampMs: T0 - 250.7 };
    const body = encodeWriteRequest([
      { series: bucket, value: 3, timestampMs: T0, exemplar },
      { series: makeSeries('d_count', {}), value: 3, timestampMs: T0 },
    ]);
    const decoded = await decode(body);
    assert.deepEqual(decoded[0].samples, [{ value: 3, timestampMs: T0 }]);
    assert.deepEqual(decoded[0].exemplars, [{ labels: [{ name: 'trace_id', value: exemplar.traceId }], value: 0.5123, timestampMs: T0 - 251 }]);
    assert.deepEqual(decoded[1].exemplars, []);
    // Byte for byte: 1a <len> { 0a 2c { 0a 08 "trace_id" 12 20 <id> } 11 <f64 LE> 18 <varint> }.
    const id = Buffer.from(`0a08${Buffer.from('trace_id').toString('hex')}1220${Buffer.from(exemplar.traceId).toString('hex')}`, 'hex');
    const value = Buffer.alloc(8);
    value.writeDoubleLE(0.5123);
    const field = `0a${id.length.toString(16)}${id.toString('hex')}11${value.toString('hex')}18${hex(protobuf.Writer.create().int64(T0 - 251).finish())}`;
    assert.ok(hex(body).includes(`1a${(field.length / 2).toString(16)}${field}`), hex(body));
  });

  it('writes exemplars of a series oldest first, where Prometheus would skip an older one', async () => {
    const bucket = makeSeries('d_bucket', { le: '+Inf' });
    const decoded = await decode(encodeWriteRequest([
      { series: bucket, value: 1, timestampMs: T0, exemplar: { traceId: 'b'.repeat(32), value: 2, timestampMs: T0 - 10 } },
      { series: bucket, value: 2, timestampMs: T0 + 1, exemplar: { traceId: 'a'.repeat(32), value: 1, timestampMs: T0 - 20 } },
    ]));
    assert.deepEqual(decoded[0].exemplars.map((e) => e.timestampMs), [T0 - 20, T0 - 10]);
  });

  it('never writes WriteRequest fields 2 or 3, nor TimeSeries fields beyond 2 without exemplars', () => {
    const body = encodeWriteRequest([
      { series: makeSeries('a', { x: '1' }), value: 1, timestampMs: T0 },
      { series: makeSeries('b', {}), value: 2, timestampMs: T0 },
    ]);
    const top = protobuf.Reader.create(body);
    let count = 0;
    while (top.pos < top.len) {
      assert.equal(top.uint32(), 0x0a, 'only field 1 (timeseries) at the top level');
      const ts = protobuf.Reader.create(top.bytes());
      while (ts.pos < ts.len) {
        const tag = ts.uint32();
        assert.ok(tag === 0x0a || tag === 0x12, `TimeSeries tag ${tag.toString(16)}`);
        ts.skipType(tag & 7);
      }
      count++;
    }
    assert.equal(count, 2);
  });

  it('returns an empty body for no samples (exporters send nothing then, A3)', () => {
    assert.equal(encodeWriteRequest([]).length, 0);
  });

  it('leaves out samples whose timestamp is not finite, and a series left without samples', async () => {
    const good = makeSeries('good', {});
    const bad = makeSeries('bad', {});
    const decoded = await decode(
      encodeWriteRequest([
        { series: bad, value: 1, timestampMs: NaN },
        { series: good, value: 2, timestampMs: Infinity },
        { series: good, value: 3, timestampMs: T0 },
      ]),
    );
    assert.deepEqual(decoded.map((ts) => [ts.labels[0].value, ts.samples.map((s) => s.value)]), [['good', [3]]]);
  });

  describe('against the strict loopback receiver', () => {
    let prom: RemoteWriteReceiver;
    before(async () => {
      prom = await startRemoteWriteReceiver();
    });
    after(() => prom.close());

    it('is stored without a single violation, samples grouped and ordered per series', async () => {
      const now = Date.now() - 10000;
      const tokens = makeSeries('openai_totalTokens', { job: 'integrations/openai', model: 'gpt-4o', environment: 'default' });
      const cost = makeSeries('openai_usageCost', { job: 'integrations/openai', model: 'gpt-4o', environment: 'default' });
      const body = compressSnappyBlock(
        encodeWriteRequest([
          { series: tokens, value: 30, timestampMs: now + 2 },
          { series: cost, value: 0.0001, timestampMs: now + 1 },
          { series: tokens, value: 12, timestampMs: now + 1 },
        ]),
      );
      const res = await sendRequest(prom.url, {
        headers: [
          ['Content-Encoding', 'snappy'],
          ['Content-Type', 'application/x-protobuf'],
          ['X-Prometheus-Remote-Write-Version', '0.1.0'],
          ['User-Agent', 'grafana-openai-monitoring/1.0.0'],
        ],
        body,
      });
      assert.equal(res.status, 204);
      assert.deepEqual(prom.violations, []);
      assert.deepEqual(prom.samplesOf('openai_totalTokens', { model: 'gpt-4o' }), [
        { value: 12, timestampMs: now + 1 },
        { value: 30, timestampMs: now + 2 },
      ]);
      assert.deepEqual(prom.samplesOf('openai_usageCost'), [{ value: 0.0001, timestampMs: now + 1 }]);
    });
  });
});
