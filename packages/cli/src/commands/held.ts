import { describeFlag, parsePackageSpec, parseVersion, type HeldVersionDto } from '@flock/core';
import { z } from 'zod';
import { OK_ANSWER } from '../client.js';
import { CliExit, type CommandContext } from '../context.js';
import { callRegistry, printTable } from './registry-call.js';
import type { Run } from './types.js';

const HELD_ANSWER = z.array(z.object({ version: z.string(), flags: z.array(z.string()), heldAt: z.string(), publisher: z.string(), rejectedAt: z.string().nullable() }));

/** flock held ORG/NAME: the publishes held for an owner's approval, and those rejected. */
export const held: Run<{ json?: boolean }> = async (args, options, ctx) => {
  const { ref: { org, name }, suffix } = parsePackageSpec(args[0]!);
  if (suffix !== undefined) throw new CliExit('Name the package without a version: flock held org/name');
  const list = await callRegistry<HeldVersionDto[]>(ctx, `list held versions of ${org}/${name}`, `api/v1/packages/${org}/${name}/held`, HELD_ANSWER);
  if (options.json) {
    ctx.out(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.length === 0) {
    ctx.out(`No held versions of ${org}/${name}`);
    return 0;
  }
  const rows = list.map((h) => [h.version, h.rejectedAt === null ? 'held' : 'rejected', h.publisher, h.heldAt, h.flags.map((f) => describeFlag(f)).join('; ')]);
  printTable(ctx, [['VERSION', 'STATUS', 'PUBLISHER', 'HELD AT', 'UNUSUAL'], ...rows]);
  return 0;
};

/** flock approve / flock reject ORG/NAME@VERSION (org owners). */
export async function decideHeld(ctx: CommandContext, spec: string, decision: 'approve' | 'reject'): Promise<number> {
  const { ref: { org, name }, suffix } = parsePackageSpec(spec);
  if (suffix === undefined) throw new CliExit(`Name the version: flock ${decision} org/name@version`);
  const version = parseVersion(suffix);
  await callRegistry(ctx, `${decision} ${org}/${name}@${version}`, `api/v1/packages/${org}/${name}/${version}/${decision}`, OK_ANSWER, { method: 'POST' });
  ctx.out(decision === 'approve' ? `Approved ${org}/${name}@${version}: it is published` : `Rejected ${org}/${name}@${version}: it stays unpublished and its number stays taken`);
  return 0;
}
