import { warnOnce } from '../debug-log.js';
import { safeLabelValue } from '../export/label-value.js';

/**
 * Model names as label values. They come from servers (the request names one,
 * the response another; gateways and self-hosted servers name what they like),
 * so they are the one label whose number of values the app does not choose:
 * 1,000 distinct names made about 55,000 series (issue 22 item 7). Every series
 * and Loki stream multiplies by them, and a receiver's series limit then
 * refuses new series of every model, not only the odd ones.
 *
 * So a label value is the name, well-formed and cut to 256 characters (as
 * `model` always was), for the first MAX_DISTINCT_MODELS names a monitor sees;
 * a later new name becomes `other`, with one process warning naming the cap.
 * The log line keeps the real name (`request_model`, `response_model`), and
 * prices are looked up by it, so spend stays exact; `model="other"` series
 * count the calls of the folded models.
 */

/** Longest model label, in characters: far under the 2,048-byte limit of Loki and Mimir. */
export const MAX_MODEL_LABEL_CHARS = 256;
/** Distinct model names per monitor that get their own label value (about 55 series each). */
export const MAX_DISTINCT_MODELS = 100;
/** The label value of every model name past the cap. */
export const OTHER_MODEL = 'other';

/**
 * Maps model names to label values, remembering at most `max` names.
 *
 * @example
 * const models = new ModelLabels();
 * models.label('gpt-4o-2024-08-06'); // 'gpt-4o-2024-08-06'
 * // … after 100 other names:
 * models.label('my-101st-model'); // 'other'
 */
export class ModelLabels {
  private readonly labels = new Map<string, string>();
  private lastName: string | undefined;
  private lastLabel: string | undefined;
  /** Calls whose model name was folded into `other`. */
  folded = 0;

  /**
   * @param clean removes what must never be a label (the monitor's secrets: a
   *   server may answer anything as its model name).
   */
  constructor(private readonly max: number = MAX_DISTINCT_MODELS, private readonly clean: (name: string) => string = (name) => name) {}

  /**
   * The label value for a model name; undefined stays undefined.
   *
   * @example
   * models.label(obs.responseModel);
   */
  label(name: string | undefined): string | undefined {
    if (name === undefined) return undefined;
    // Most calls name the model of the call before.
    if (name === this.lastName) return this.lastLabel;
    let label = this.labels.get(name);
    if (label === undefined) {
      if (this.labels.size >= this.max) return this.fold();
      const cut = name.length > MAX_MODEL_LABEL_CHARS ? name.slice(0, MAX_MODEL_LABEL_CHARS) : name;
      label = safeLabelValue(this.clean(cut));
      this.labels.set(name, label);
    }
    this.lastName = name;
    this.lastLabel = label;
    return label;
  }

  private fold(): string {
    this.folded += 1;
    warnOnce(
      'model-cardinality',
      `grafana-openai-monitoring: more than ${this.max} distinct model names; calls of later new models ` +
        `are labelled model="${OTHER_MODEL}" so the number of series stays bounded. ` +
        'Their log lines keep the real name (request_model, response_model) and their cost is exact.',
      'GOM_MODEL_CARDINALITY',
    );
    return OTHER_MODEL;
  }
}
