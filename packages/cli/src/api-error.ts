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
