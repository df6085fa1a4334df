import type { RawResponse } from './client.js';
import { CliExit } from './context.js';

/** The registry's `{"error":"…"}` as a one-line CLI failure. */
export function apiFailure(response: RawResponse, what: string): CliExit {
  let message = response.text.trim();
  try {
    const body = JSON.parse(response.text) as { error?: unknown };
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON (a proxy's page, say): show it as it came.
  }
  return new CliExit(`${what}: ${message || `HTTP ${response.status}`}`);
}
