import type { ObservedError } from '../record/observation.js';
import { count, field, text } from './sdk-shapes.js';

/**
 * OpenAI echoes a wrong API key in its 401 message ("Incorrect API key
 * provided: sk-…"), and proxies echo bearer tokens; neither may reach a log
 * (DESIGN §3 rule 6). Anything shaped like a key or token is masked.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(sk|rk|pk|sess|glc|glsa)[-_][A-Za-z0-9_*\-]{6,}/g,
  /(Incorrect API key provided: )[^\s.]+/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=:-]+/gi,
];

/**
 * Masks credentials in a message.
 *
 * @example
 * maskSecrets('Incorrect API key provided: sk-abc123456789.'); // 'Incorrect API key provided: [redacted].'
 */
export function maskSecrets(message: string): string {
  let masked = message;
  for (const pattern of SECRET_PATTERNS) {
    masked = masked.replace(pattern, (match: string, prefix: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) && prefix.length < match.length && /\s$/.test(prefix) ? `${prefix}[redacted]` : '[redacted]',
    );
  }
  return masked;
}

/**
 * The SDK's error classes (same names in 4.x-7.x) say what went wrong; the
 * class name is the `error_type`, as the OpenTelemetry GenAI conventions advise.
 *
 * @example
 * readError(new RateLimitError(...)); // { type: 'RateLimitError', status: 429, code: 'rate_limit_exceeded', message: '…' }
 */
export function readError(error: unknown): ObservedError {
  const name = text((error as { constructor?: { name?: unknown } } | null)?.constructor?.name);
  const type = name !== undefined && name !== 'Object' ? name : '_OTHER';
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : String(error);
  const code = field(error, 'code');
  return {
    type,
    status: count(field(error, 'status')),
    code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    message: maskSecrets(message),
  };
}

/**
 * True for the SDK's `APIUserAbortError` (the app aborted via `signal` or broke out of a stream).
 *
 * @example
 * isAbort(err) ? 'aborted' : 'error';
 */
export function isAbort(error: unknown): boolean {
  const name = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return name === 'APIUserAbortError' || (error instanceof Error && error.name === 'AbortError');
}
