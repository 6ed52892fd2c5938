import { field, text } from './sdk-shapes.js';

/**
 * The credentials a client sends, read from the fields every SDK version
 * keeps (4.x–7.x): `apiKey` (sent as `Authorization: Bearer …`, or as the
 * `api-key` header by AzureOpenAI), `adminAPIKey` (newer SDKs), and the
 * `apiKey` option when it is a string. A key given as a function is read into
 * `apiKey` by the SDK before each request, so these are read again when a
 * line is recorded rather than once at `monitor()`: a rotated key is known too.
 *
 * @example
 * const secrets = clientSecrets(openai);
 * secrets(); // ['sk-proj-…']
 */
export function clientSecrets(client: object): () => readonly string[] {
  return () => {
    const found: string[] = [];
    for (const value of [field(client, 'apiKey'), field(client, 'adminAPIKey'), field(field(client, '_options'), 'apiKey')]) {
      const secret = text(value);
      if (secret !== undefined && !found.includes(secret)) found.push(secret);
    }
    return found;
  };
}

/**
 * The credentials of the clients a class monitor has seen calls from, for the
 * scrubber: a class monitor has no client of its own (class-target.ts), so each
 * call's client is shown here first. Reading the keys again only when the
 * client differs from the last one keeps this off the common path; at most
 * `limit` distinct keys are kept, the newest first.
 *
 * @example
 * const seen = new SeenClientSecrets();
 * seen.see(client); // from the class patch, per call
 * recorderSettings.secrets = seen.secrets;
 */
export class SeenClientSecrets {
  private last: object | undefined;
  private readonly keys: string[] = [];

  constructor(private readonly limit = 16) {}

  /** Notes the credentials of the client a call was made with. */
  see(client: object): void {
    if (client === this.last) return;
    this.last = client;
    for (const key of clientSecrets(client)()) {
      if (this.keys.includes(key)) continue;
      this.keys.unshift(key);
      if (this.keys.length > this.limit) this.keys.pop();
    }
  }

  /** Every key seen so far (at most `limit`). */
  readonly secrets = (): readonly string[] => this.keys;
}
