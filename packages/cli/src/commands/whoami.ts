import type { MeDto } from '@flock/core';
import { rawFailure } from '../api-error.js';
import { ME_ANSWER, readJson, signedInClient } from '../client.js';
import type { Run } from './types.js';

export const whoami: Run<{ json?: boolean }> = async (_args, options, ctx) => {
  const client = await signedInClient(ctx);
  const response = await client.request('api/v1/me', { auth: true });
  if (!response.ok) {
    ctx.err(rawFailure(response));
    return 1;
  }
  const me = readJson<MeDto>(response, ME_ANSWER);
  if (options.json) {
    // MeDto's fields, picked: the documented shape and nothing else.
    const token = me.token ? { name: me.token.name, scopes: me.token.scopes } : null;
    ctx.out(JSON.stringify({ username: me.username, orgs: me.orgs.map((o) => ({ name: o.name, role: o.role })), token }, null, 2));
    return 0;
  }
  ctx.out(me.username);
  for (const org of me.orgs) ctx.out(`  ${org.name} (${org.role})`);
  return 0;
};
