import { parseNote, parsePackageSpec, parseVersion } from '@flock/core';
import { apiFailure } from '../api-error.js';
import { OK_ANSWER, readJson, signedInClient } from '../client.js';
import { CliExit } from '../context.js';
import type { Run } from './types.js';

export const yank: Run<{ undo?: boolean; reason?: string }> = async (args, options, ctx) => {
  const { ref: { org, name }, suffix: versionText } = parsePackageSpec(args[0]!);
  if (versionText === undefined) throw new CliExit('Name the version to yank: flock yank org/name@version');
  const version = parseVersion(versionText);
  if (options.undo && options.reason !== undefined) throw new CliExit('--reason is for a yank; --undo clears the reason');
  // Checked here too, so a bad reason is refused before signing in.
  const reason = options.reason === undefined ? null : parseNote(options.reason, 'yank reason');
  const client = await signedInClient(ctx);
  const body = reason === null ? {} : { contentType: 'application/json', body: JSON.stringify({ reason }) };
  const response = await client.request(`api/v1/packages/${org}/${name}/${version}/yank`, { method: options.undo ? 'DELETE' : 'POST', auth: true, ...body });
  if (!response.ok) throw apiFailure(response, `Cannot ${options.undo ? 'unyank' : 'yank'} ${org}/${name}@${version}`);
  readJson(response, OK_ANSWER);
  ctx.out(`${options.undo ? 'Unyanked' : 'Yanked'} ${org}/${name}@${version}${reason === null ? '' : `: ${reason}`}`);
  return 0;
};
