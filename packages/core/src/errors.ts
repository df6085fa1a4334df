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
