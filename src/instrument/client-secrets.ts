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
