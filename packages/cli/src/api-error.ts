// The narrow entry point, so every command that reports a refusal does not load core's docs renderers.
import { MANAGE_REFUSAL, RESTRICTED_ACCOUNT_REFUSAL } from '@flock/core/api';
import { describeAnswer, type RawResponse } from './client.js';
import { CliExit } from './context.js';

// Control characters (newlines, terminal escapes) in a server's text would break the one-line rule.
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

/**
 * The registry's `{"error":"…"}`: the raw line as it came (compacted if it
 * spanned lines) and the message alone; null for anything else (a proxy's
 * HTML page, an empty body).
 */
function errorBody(response: RawResponse): { raw: string; message: string } | null {
  let body: unknown;
  try {
    body = JSON.parse(response.text);
  } catch {
    return null;
  }
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error !== 'string' || oneLine(error) === '') return null;
  const trimmed = response.text.trim();
  return { raw: /[\u0000-\u001f]/.test(trimmed) ? JSON.stringify(body) : trimmed, message: oneLine(error) };
}

/** The registry's `{"error":"…"}` as a one-line CLI failure. */
export function apiFailure(response: RawResponse, what: string): CliExit {
  const body = errorBody(response);
  return new CliExit(`${what}: ${body ? body.message : `the registry answered ${describeAnswer(response)}`}`);
}

/**
 * A refusal as the commands that print the registry's answer raw show it (the
 * documented `{"error":"Invalid token"}`), or one line saying what came instead.
 */
export function rawFailure(response: RawResponse): string {
  return errorBody(response)?.raw ?? `The registry at ${response.registry} answered ${describeAnswer(response)}`;
}

/**
 * A refusal of an account or org command: raw like rawFailure, except the
 * answer that the token may not manage the account, which is said plainly
 * since it tells what token to use instead.
 */
export function accountFailure(response: RawResponse): string {
  const message = errorBody(response)?.message;
  return message === MANAGE_REFUSAL || message === RESTRICTED_ACCOUNT_REFUSAL ? message : rawFailure(response);
}
