import { parsePackageRef } from '@flock/core';
import { apiFailure } from '../api-error.js';
import { OK_ANSWER, readJson, signedInClient } from '../client.js';
import { CliExit } from '../context.js';
import type { Run } from './types.js';

export const access: Run = async (args, _options, ctx) => {
  const [action, packageText, visibility] = args;
  if (action !== 'set') throw new CliExit(`Unknown access action "${action}": use flock access set org/name private|public`);
  if (visibility !== 'private' && visibility !== 'public') throw new CliExit(`Invalid visibility "${visibility}": use private or public`);
  const { org, name } = parsePackageRef(packageText!);
  const client = await signedInClient(ctx);
  const response = await client.request(`api/v1/packages/${org}/${name}/visibility`, {
    method: 'POST', auth: true, contentType: 'application/json', body: JSON.stringify({ visibility }),
  });
  if (!response.ok) throw apiFailure(response, `Cannot set the visibility of ${org}/${name}`);
  readJson(response, OK_ANSWER);
  ctx.out(`${org}/${name} is now ${visibility}`);
  return 0;
};
