import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { apiFailure } from '../api-error.js';
import { createClient, readJson, type RawResponse } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { checkToken, registryUrl, saveToken } from '../credentials.js';

const CODE_ANSWER = z.object({
  deviceCode: z.string().min(1).max(200),
  userCode: z.string().min(1).max(20),
  verificationUriComplete: z.string().min(1).max(2000),
  expiresIn: z.number().int().positive().max(86_400),
  interval: z.number().int().positive().max(3600),
});
const TOKEN_ANSWER = z.object({ token: z.string(), username: z.string() });

// The registry's words go to the terminal: no control characters (escapes, newlines) get through.
const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, ' ');

/** RFC 8628's error code in a refused poll, or null when the answer is something else. */
function pollError(response: RawResponse): string | null {
  try {
    const error = (JSON.parse(response.text) as { error?: unknown } | null)?.error;
    return response.status === 400 && typeof error === 'string' ? error : null;
  } catch {
    return null;
  }
}

/**
 * `flock login --web`: the device authorization flow. Asks the registry for a
 * code, tells the user where to approve it, and polls until the browser has
 * approved (the token is saved as `flock login` saves one), denied, or the
 * code has expired. Ctrl-C stops waiting; nothing is saved then.
 */
export async function loginWeb(ctx: CommandContext): Promise<number> {
  const baseUrl = await registryUrl(ctx);
  const client = createClient(baseUrl, null);
  const json = (body: unknown) => ({ method: 'POST' as const, body: JSON.stringify(body), contentType: 'application/json' });
  const name = printable(`flock on ${hostname()}`).slice(0, 100);
  const started = await client.request('api/v1/device/code', json({ name }));
  if (!started.ok) throw apiFailure(started, 'Could not start a web login');
  const code = readJson<z.infer<typeof CODE_ANSWER>>(started, CODE_ANSWER);
  // Before anything is printed: a Ctrl-C as soon as the code shows must already get the message.
  const stopWaiting = ctx.onInterrupt(() => ctx.err('Stopped waiting; nothing was saved.'));
  const expired = new CliExit('The code expired before it was approved: run flock login --web again');
  const deadline = Date.now() + code.expiresIn * 1000;
  let interval = code.interval;
  try {
    ctx.err(`Open ${printable(code.verificationUriComplete)} and enter the code ${printable(code.userCode)}`);
    ctx.err('Waiting for the browser… (Ctrl-C to stop)');
    for (;;) {
      await sleep(interval * 1000);
      if (Date.now() > deadline) throw expired;
      const answer = await client.request('api/v1/device/token', json({ deviceCode: code.deviceCode }));
      if (answer.ok) {
        const { token, username } = readJson<z.infer<typeof TOKEN_ANSWER>>(answer, TOKEN_ANSWER);
        const path = await saveToken(ctx, checkToken(token, 'the registry\'s answer'));
        ctx.out(`Logged in as ${printable(username)}; token saved to ${path}`);
        return 0;
      }
      switch (pollError(answer)) {
        case 'authorization_pending':
          break;
        case 'slow_down':
          interval += 5;
          break;
        case 'access_denied':
          throw new CliExit('The sign-in was denied in the browser; nothing was saved.');
        case 'expired_token':
          throw expired;
        default:
          throw apiFailure(answer, 'Web login failed');
      }
    }
  } finally {
    stopWaiting();
  }
}
