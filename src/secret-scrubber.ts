/**
 * Removes known secrets from text, in the encodings they travel in
 * (DESIGN §3 rule 6; issue 22 item 5).
 *
 * Pattern masking (read-error.ts) only knows keys by their prefixes (`sk-`,
 * `glc_`…): an Azure key is 32 hex digits, Groq's start `gsk_`, OpenRouter's
 * `sk-or-v1-`, a self-hosted server's are anything, and a provider or proxy
 * may echo one in an error message. But the client's own key is known
 * (`client.apiKey`; for Azure the `api-key` header value), and so is the
 * access token, so they are removed exactly wherever they appear:
 * - as they are, and as JSON writes them inside a string (`\"`, `\\`, `\u…`);
 * - URL-encoded (`encodeURIComponent`), as a query string or a proxy's log echoes it;
 * - inside base64 (or base64url), e.g. a basic-auth header `user:key` echoed
 *   back: base64 of a text holding the key holds, whatever the key's offset,
 *   one of three strings made from the key alone; the whole base64 run around
 *   it is replaced, as its edges still carry bits of the key.
 *
 * Secrets shorter than MIN_SECRET_CHARS are ignored: placeholder keys such as
 * `ollama` or `EMPTY` are no secret, and removing them would garble text.
 */

/** Shortest secret removed, in characters. */
export const MIN_SECRET_CHARS = 8;
/** Base64 fragments shorter than this are not looked for: they would match by chance in big base64 content. */
const MIN_BASE64_FRAGMENT = 16;
/** What a secret is replaced by. */
export const REDACTED = '[redacted]';

const BASE64_CHAR = /[A-Za-z0-9+/_-]/;
/** Padding ends a base64 run; it never starts or sits inside one. */
const PADDING = '=';

/**
 * Holds the secrets of one monitor and removes them from text.
 *
 * @example
 * const scrubber = new SecretScrubber([client.apiKey, options.access_token]);
 * scrubber.scrub('upstream said: bad key 0123456789abcdef0123456789abcdef'); // 'upstream said: bad key [redacted]'
 */
export class SecretScrubber {
  /** Literal forms (raw, JSON-escaped, URL-encoded), longest first so a longer form is replaced whole. */
  private readonly literals: string[];
  /** Base64 and base64url fragments that any encoding of a text holding the secret contains. */
  private readonly fragments: string[];

  constructor(secrets: readonly (string | undefined)[]) {
    const literals = new Set<string>();
    const fragments = new Set<string>();
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_CHARS) continue;
      literals.add(secret);
      literals.add(JSON.stringify(secret).slice(1, -1));
      literals.add(encodeURIComponent(secret));
      for (const fragment of base64Fragments(secret)) {
        fragments.add(fragment);
        fragments.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
      }
    }
    this.literals = [...literals].sort((a, b) => b.length - a.length);
    this.fragments = [...fragments];
  }

  /**
   * True when there is nothing to remove (every text comes back as it was).
   *
   * @example
   * if (!scrubber.empty) line = scrubber.scrub(line);
   */
  get empty(): boolean {
    return this.literals.length === 0;
  }

  /**
   * `text` without any of the secrets, in any of the encodings above.
   *
   * @example
   * scrubber.scrub(JSON.stringify(line));
   */
  scrub(text: string): string {
    let safe = text;
    for (const literal of this.literals) if (safe.includes(literal)) safe = safe.split(literal).join(REDACTED);
    for (const fragment of this.fragments) {
      for (let at = safe.indexOf(fragment); at >= 0; at = safe.indexOf(fragment, at + REDACTED.length)) {
        let start = at;
        let end = at + fragment.length;
        while (start > 0 && BASE64_CHAR.test(safe[start - 1])) start -= 1;
        while (end < safe.length && BASE64_CHAR.test(safe[end])) end += 1;
        while (end < safe.length && safe[end] === PADDING) end += 1;
        safe = safe.slice(0, start) + REDACTED + safe.slice(end);
        at = start;
      }
    }
    return safe;
  }
}

/**
 * The base64 text that encodes the secret's bytes at each of the three
 * offsets a byte can have within a 3-byte group, cut to the characters that
 * depend on the secret alone.
 */
function base64Fragments(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // The first group mixes filler and secret unless offset is 0; the last partial group mixes in what follows.
    const start = offset === 0 ? 0 : 4;
    const end = Math.floor((offset + bytes.length) / 3) * 4;
    const fragment = encoded.slice(start, end);
    if (fragment.length >= MIN_BASE64_FRAGMENT) out.push(fragment);
  }
  return out;
}
