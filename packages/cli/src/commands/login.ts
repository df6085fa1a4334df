import type { MeDto } from '@flock/core';
import { rawFailure } from '../api-error.js';
import { createClient, ME_ANSWER, readJson } from '../client.js';
import { CliExit } from '../context.js';
import { checkToken, registryUrl, saveToken } from '../credentials.js';
import type { Run } from './types.js';

export const login: Run<{ web?: boolean }> = async (_args, options, ctx) => {
  if (options.web) return (await import('./login-web.js')).loginWeb(ctx);
  const baseUrl = await registryUrl(ctx);
  if (ctx.isTerminal) ctx.err(`Paste a token from the account page of ${baseUrl}`);
  const token = (await ctx.readSecret('Token: ')).trim();
  if (token.length === 0) throw new CliExit('No token given.');
  checkToken(token, 'stdin');
  const response = await createClient(baseUrl, token).request('api/v1/me', { auth: true });
  if (!response.ok) {
    ctx.err(rawFailure(response));
    return 1;
  }
  // Only a registry's own answer about this token proves it; anything else saves nothing.
  const me = readJson<MeDto>(response, ME_ANSWER);
  const path = await saveToken(ctx, token);
  ctx.out(`Logged in as ${me.username}; token saved to ${path}`);
  return 0;
};
