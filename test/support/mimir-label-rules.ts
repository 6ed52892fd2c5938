import protobuf from 'protobufjs/minimal.js';
// Typed by src/types/snappyjs.d.ts (snappyjs ships no declarations).
import SnappyJS from 'snappyjs';
import type { HttpAnswer } from './loopback-server.js';

/**
 * Mimir's per-series label validation (grafana/mimir pkg/distributor/validate.go;
 * reference/wire-protocols.md §1.3, §3): label values must be valid UTF-8 and at
 * most `max_label_value_length` bytes (2,048 by default), names at most 1,024
 * bytes, at most 30 labels. A breach answers 400 with Mimir's wording, which
 * names the label, its value and the series, each cut to 200 characters.
 *
 * Read from the raw bytes, because a decoder turns invalid UTF-8 into U+FFFD and
 * would hide it (the client's own U+FFFD is valid).
 */

export interface MimirLabelLimits {
  maxLabelValueLength: number;
  maxLabelNameLength: number;
  maxLabelNamesPerSeries: number;
}

export const MIMIR_DEFAULT_LIMITS: MimirLabelLimits = { maxLabelValueLength: 2048, maxLabelNameLength: 1024, maxLabelNamesPerSeries: 30 };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const looseUtf8 = new TextDecoder('utf-8');

interface RawLabel {
  name: string;
  value: string;
  valueBytes: Uint8Array;
}

function readSeriesLabels(body: Uint8Array): RawLabel[][] {
  const proto = SnappyJS.uncompress(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  const reader = protobuf.Reader.create(proto);
  const out: RawLabel[][] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const end = reader.uint32() + reader.pos;
    if (tag !== 0x0a) {
      reader.pos = end;
      continue;
    }
    const labels: RawLabel[] = [];
    while (reader.pos < end) {
      const fieldTag = reader.uint32();
      const fieldEnd = reader.uint32() + reader.pos;
      if (fieldTag === 0x0a) {
        let name = '';
        let valueBytes: Uint8Array = new Uint8Array(0);
        while (reader.pos < fieldEnd) {
          const t = reader.uint32();
          if (t === 0x0a) name = looseUtf8.decode(reader.bytes());
          else if (t === 0x12) valueBytes = reader.bytes();
          else reader.skipType(t & 7);
        }
        labels.push({ name, value: looseUtf8.decode(valueBytes), valueBytes });
      }
      reader.pos = fieldEnd;
    }
    out.push(labels);
  }
  return out;
}

/** `metric{a="b", c="d"}`, as Mimir prints a series (Prometheus `model.Metric.String()`). */
function seriesText(labels: readonly RawLabel[]): string {
  const name = labels.find((l) => l.name === '__name__')?.value ?? '';
  const rest = labels.filter((l) => l.name !== '__name__').map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return `${name}{${rest.join(', ')}}`;
}

/**
 * Mimir's 400 for the first series of a remote-write body that breaks a label
 * limit, or undefined when every series passes.
 *
 * @example
 * startRemoteWriteReceiver({ respond: (req) => mimirLabelRefusal(req.body) });
 */
export function mimirLabelRefusal(body: Uint8Array, limits: MimirLabelLimits = MIMIR_DEFAULT_LIMITS): HttpAnswer | undefined {
  for (const labels of readSeriesLabels(body)) {
    const series = seriesText(labels).slice(0, 200);
    if (labels.length > limits.maxLabelNamesPerSeries) {
      return refusal(`received a series whose number of labels exceeds the limit (actual: ${labels.length}, limit: ${limits.maxLabelNamesPerSeries}) series: '${series}' (err-mimir-max-label-names-per-series)`);
    }
    for (const label of labels) {
      if (Buffer.byteLength(label.name) > limits.maxLabelNameLength) {
        return refusal(`received a series whose label name length exceeds the limit, label: '${label.name.slice(0, 200)}' series: '${series}' (err-mimir-label-name-too-long)`);
      }
      try {
        strictUtf8.decode(label.valueBytes);
      } catch {
        return refusal(`received a series with invalid value in label '${label.name}': '${label.value.slice(0, 200)}' series: '${series}' (err-mimir-label-value-invalid)`);
      }
      if (label.valueBytes.length > limits.maxLabelValueLength) {
        return refusal(
          `received a series whose label value length of ${label.valueBytes.length} exceeds the limit of ${limits.maxLabelValueLength}, ` +
            `label: '${label.name}', value: '${label.value.slice(0, 200)}' (truncated) series: '${series}' (err-mimir-label-value-too-long). ` +
            'To adjust the related per-tenant limit, configure -validation.max-length-label-value, or contact your service administrator.',
        );
      }
    }
  }
  return undefined;
}

function refusal(message: string): HttpAnswer {
  return { status: 400, body: `send data to ingesters: failed pushing to ingester: user=anonymous: ${message}` };
}
