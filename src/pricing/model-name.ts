/**
 * Turns the model name a response reports into the names to look up in the
 * price table, most specific first. Responses name dated snapshots
 * (`gpt-4o-mini-2024-07-18`), legacy snapshot tags (`babbage:2023-07-21-v2`),
 * gateway-prefixed ids (`openai/gpt-5-2025-08-07` from OpenRouter) and Azure
 * spellings (`gpt-35-turbo`) — openai-pricing.md, "Computing cost from a response".
 */

/**
 * Legacy completion models report `<base>:<date>[-vN]`: `babbage:2023-07-21-v2`
 * is babbage-002, `gpt-3.5-turbo-instruct:20230824-v2` is gpt-3.5-turbo-instruct.
 * Fine-tunes (`ft:gpt-4o-mini-…:org::id`) do not match: a date must follow the colon.
 */
const LEGACY_SNAPSHOT_TAG = /^([a-z0-9.-]+):(\d{4}-?\d{2}-?\d{2})(-v\d+)?$/;

/**
 * The `-002` base models are the only GPT-3-era names still served; the
 * retired `babbage`/`davinci` (GPT-3, other prices) never carried such a tag.
 */
const LEGACY_TAG_BASE: Readonly<Record<string, string>> = {
  babbage: 'babbage-002',
  davinci: 'davinci-002',
};

/** `-YYYYMMDD` → `-YYYY-MM-DD` where it ends the name or precedes `-`/`:` (genai-prices does the same). */
const COMPACT_DATE = /-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

/** A trailing snapshot date: `-YYYY-MM-DD` or the older `-MMDD` (`gpt-4-0613`). */
const TRAILING_DATE = /-(?:(20\d{2})-(\d{2})-(\d{2})|(\d{2})(\d{2}))$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * The name as the price table spells it: trimmed, lower-cased, without a
 * gateway's provider prefix (everything up to the last `/`), legacy snapshot
 * tags mapped to their model, Azure's `gpt-35-…` spelled `gpt-3.5-…`.
 *
 * @example
 * normaliseModelName('openai/gpt-5-2025-08-07'); // 'gpt-5-2025-08-07'
 * normaliseModelName('babbage:2023-07-21-v2');   // 'babbage-002'
 * normaliseModelName('gpt-35-turbo-16k');        // 'gpt-3.5-turbo-16k'
 */
export function normaliseModelName(raw: string): string {
  let name = raw.trim().toLowerCase();
  const slash = name.lastIndexOf('/');
  if (slash >= 0) name = name.slice(slash + 1);
  const legacy = LEGACY_SNAPSHOT_TAG.exec(name);
  if (legacy) name = LEGACY_TAG_BASE[legacy[1]] ?? legacy[1];
  // Azure names GPT-3.5 deployments' models without the dot (Azure OpenAI model list).
  if (name.startsWith('gpt-35-')) name = `gpt-3.5-${name.slice('gpt-35-'.length)}`;
  return name;
}

/**
 * `name` without its trailing snapshot date, or undefined when it has none.
 * Only real calendar dates count, so `-1024` (Oct 24) strips but `-2048` does not.
 *
 * @example
 * withoutSnapshotDate('gpt-5-nano-2025-08-07'); // 'gpt-5-nano'
 * withoutSnapshotDate('gpt-3.5-turbo-0914');    // 'gpt-3.5-turbo'
 * withoutSnapshotDate('gpt-4o');                // undefined
 */
export function withoutSnapshotDate(name: string): string | undefined {
  const m = TRAILING_DATE.exec(name);
  if (!m) return undefined;
  const ok =
    m[1] !== undefined
      ? isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))
      : isCalendarDate(2000, Number(m[4]), Number(m[5]));
  return ok ? name.slice(0, m.index) : undefined;
}

/**
 * The names to try, in order: the normalised name, the same with compact
 * dates dashed, then — only as a last resort — the model without its snapshot
 * date. The caller tries every price source for one name before moving to the
 * next, so a snapshot the data prices separately (`gpt-4o-2024-05-13` at
 * $5/$15) never falls back to its alias (`gpt-4o` at $2.50/$10): the fallback
 * only serves snapshots the data does not list (a new `gpt-4o-mini-2025-…`).
 *
 * @example
 * modelNameCandidates('GPT-4o-mini-20240718'); // ['gpt-4o-mini-20240718', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini']
 */
export function modelNameCandidates(raw: string): string[] {
  const name = normaliseModelName(raw);
  const out = [name];
  const dashed = name.replace(COMPACT_DATE, (whole: string, y: string, mo: string, d: string) =>
    isCalendarDate(Number(y), Number(mo), Number(d)) ? `-${y}-${mo}-${d}` : whole,
  );
  if (dashed !== name) out.push(dashed);
  const base = withoutSnapshotDate(dashed);
  if (base !== undefined && base !== '' && !out.includes(base)) out.push(base);
  return out;
}
