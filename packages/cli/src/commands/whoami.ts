import type { MeDto } from '@flock/core';
import { rawFailure } from '../api-error.js';
import { ME_ANSWER, readJson, signedInClient } from '../client.js';
import type { Run } from './types.js';

export const whoami: Run = async (_args, _options, ctx) => {
  const client = await signedInClient(ctx);
  const response = await client.request('api/v1/me', { auth: true });
  if (!response.ok) {
    ctx.err(rawFailure(response));
    return 1;
  }
  const me = readJson<MeDto>(response, ME_ANSWER);
  ctx.out(me.username);
  for (const org of me.orgs) ctx.out(`  ${org.name} (${org.role})`);
  return 0;
};
