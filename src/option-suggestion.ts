/**
 * What to say about an option name `monitor()` does not know: the option it
 * most likely meant. Names from other APIs (the OpenAI client's `apiKey`,
 * Prometheus's `remote_write` vocabulary, a generic `token`) are not typos of
 * ours, so spelling distance alone misses them; they get an explicit answer.
 */

/** Slips seen in real configs, keyed by the name lower-cased with `_`/`-` removed. */
const COMMON_SLIPS: Readonly<Record<string, string>> = {
  apikey: 'the OpenAI key belongs to the OpenAI client (new OpenAI({ apiKey })); the Grafana token is access_token',
  openaiapikey: 'the OpenAI key belongs to the OpenAI client (new OpenAI({ apiKey })); the Grafana token is access_token',
  token: 'did you mean access_token?',
  apitoken: 'did you mean access_token?',
  grafanatoken: 'did you mean access_token?',
  grafanaapikey: 'did you mean access_token?',
  password: 'did you mean access_token?',
  accesstokens: 'did you mean access_token?',
  username: 'did you mean metrics_username and logs_username (the two instance ids)?',
  user: 'did you mean metrics_username and logs_username (the two instance ids)?',
  url: 'did you mean metrics_url and logs_url?',
  prometheusurl: 'did you mean metrics_url?',
  remotewriteurl: 'did you mean metrics_url?',
  promurl: 'did you mean metrics_url?',
  lokiurl: 'did you mean logs_url?',
  prometheususername: 'did you mean metrics_username?',
  lokiusername: 'did you mean logs_username?',
  env: 'did you mean environment?',
};

function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z]/g, '');
}

/**
 * The hint that follows "is not an option", or undefined when nothing is close.
 * Case and `_`/`-` are ignored, so camelCase (`metricsUrl`) finds its snake_case
 * option.
 *
 * @example
 * suggestOption('api_key', KNOWN); // 'the OpenAI key belongs to the OpenAI client (new OpenAI({ apiKey })); the Grafana token is access_token'
 * suggestOption('flush_interval', KNOWN); // 'did you mean flush_interval_ms?'
 */
export function suggestOption(name: string, known: readonly string[]): string | undefined {
  const squashed = squash(name);
  if (squashed === '') return undefined;
  const slip = COMMON_SLIPS[squashed];
  if (slip !== undefined) return slip;
  const close = known.find((k) => {
    const option = squash(k);
    return option.startsWith(squashed) || squashed.startsWith(option) || option.includes(squashed) || squashed.includes(option);
  });
  return close === undefined ? undefined : `did you mean ${close}?`;
}
