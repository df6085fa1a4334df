import { rm } from 'node:fs/promises';
import { apiFailure } from '../api-error.js';
import { createClient } from '../client.js';
import type { CommandContext } from '../context.js';
import { credentialsPath, registryUrl, savedToken } from '../credentials.js';
import type { Run } from './types.js';

function mentionEnvToken(ctx: CommandContext): void {
  if (ctx.env.FLOCK_TOKEN?.trim()) ctx.err('FLOCK_TOKEN is still set: commands keep using that token until you unset it.');
}

/**
 * Removes the saved token, as `cargo logout` does; with --revoke the token is
 * first revoked at the registry (DELETE /api/v1/tokens/current, which needs no
 * manage scope), and kept if the registry refuses, so nothing is left half done.
 * Without a saved token: "Not logged in", exit 0.
 */
export const logout: Run<{ revoke?: boolean }> = async (_args, options, ctx) => {
  const path = credentialsPath(ctx);
  const token = await savedToken(ctx);
  if (token === null) {
    ctx.out('Not logged in');
    mentionEnvToken(ctx);
    return 0;
  }
  if (options.revoke) {
    const baseUrl = await registryUrl(ctx);
    const response = await createClient(baseUrl, token).request('api/v1/tokens/current', { method: 'DELETE', auth: true });
    // 401: revoked or expired already, which is what was asked for.
    if (response.status === 401) ctx.out(`The token no longer worked at ${baseUrl}`);
    else if (!response.ok) throw apiFailure(response, `Could not revoke the token at ${baseUrl}; it is still saved`);
    else ctx.out(`Revoked the token at ${baseUrl}`);
  }
  await rm(path, { force: true });
  ctx.out(`Logged out: removed the token from ${path}`);
  mentionEnvToken(ctx);
  return 0;
};
