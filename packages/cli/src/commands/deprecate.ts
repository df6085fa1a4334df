import { parseNote, parsePackageRef } from '@flock/core';
import { apiFailure } from '../api-error.js';
import { OK_ANSWER, readJson, signedInClient } from '../client.js';
import { CliExit } from '../context.js';
import type { Run } from './types.js';

export const deprecate: Run<{ undo?: boolean; message?: string }> = async (args, options, ctx) => {
  const { org, name } = parsePackageRef(args[0]!);
  if (options.undo && options.message !== undefined) throw new CliExit('Use either --message or --undo, not both');
  if (!options.undo && options.message === undefined) throw new CliExit(`Say why with --message: flock deprecate ${org}/${name} --message "use org/other instead"`);
  const message = options.undo ? null : parseNote(options.message, 'deprecation message');
  const client = await signedInClient(ctx);
  const path = `api/v1/packages/${org}/${name}/deprecation`;
  const response = message === null
    ? await client.request(path, { method: 'DELETE', auth: true })
    : await client.request(path, { method: 'PUT', auth: true, contentType: 'application/json', body: JSON.stringify({ message }) });
  if (!response.ok) throw apiFailure(response, `Cannot ${message === null ? 'undeprecate' : 'deprecate'} ${org}/${name}`);
  readJson(response, OK_ANSWER);
  ctx.out(message === null ? `${org}/${name} is no longer deprecated` : `Deprecated ${org}/${name}: ${message}`);
  return 0;
};
