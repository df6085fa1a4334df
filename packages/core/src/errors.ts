/**
 * One error type for all of Flock. Services throw it; only the registry's app.ts
 * maps a code to an HTTP status, and only the CLI's main.ts turns it into an exit.
 */
export const ERROR_CODES = [
  'bad_request',
  'invalid_name',
  'invalid_version',
  'invalid_manifest',
  'invalid_archive',
  'invalid_docs',
  'too_large',
  'unauthenticated',
  'invalid_token',
  'forbidden',
  'not_member',
  'not_found',
  'version_exists',
  'conflict',
  'rate_limited',
  'unavailable',
  /** An upstream registry (FLOCK_UPSTREAM) answered something this registry must not pass on. */
  'bad_gateway',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FlockErrorOptions {
  hint?: string;
  cause?: unknown;
  /** For rate_limited: when to try again (sent as Retry-After). */
  retryAfterSeconds?: number;
}

export class FlockError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: FlockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlockError';
    this.code = code;
    this.hint = options.hint;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isFlockError(value: unknown): value is FlockError {
  return value instanceof FlockError;
}

/**
 * User input inside an error message: quoted, control characters escaped (a
 * newline or an escape sequence cannot break the one-line message or reach the
 * terminal raw), and cut at 80 characters.
 */
export function quote(raw: unknown): string {
  const text = String(raw);
  // JSON escapes U+0000–U+001F; DEL and the C1 controls (U+009B starts an escape sequence in some terminals) too.
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
