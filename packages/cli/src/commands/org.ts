import { parseRole, type MemberDto } from '@flock/core';
import { z } from 'zod';
import { OK_ANSWER } from '../client.js';
import { CliExit } from '../context.js';
import { callRegistry, printTable, segment } from './registry-call.js';
import type { Run } from './types.js';

const MEMBERS_ANSWER = z.array(z.object({ username: z.string(), role: z.string(), since: z.string() }));

export const create: Run = async ([name], _options, ctx) => {
  const org = await callRegistry<{ name: string }>(ctx, `create organization ${name}`, 'api/v1/orgs', z.object({ name: z.string() }), { method: 'POST', json: { name } });
  ctx.out(`Created organization ${org.name}`);
  return 0;
};

export const members: Run<{ json?: boolean }> = async ([org], options, ctx) => {
  const list = await callRegistry<MemberDto[]>(ctx, `list the members of ${org}`, `api/v1/orgs/${segment(org!)}/members`, MEMBERS_ANSWER);
  if (options.json) {
    ctx.out(JSON.stringify(list.map((m) => ({ username: m.username, role: m.role, since: m.since })), null, 2));
    return 0;
  }
  printTable(ctx, [['USER', 'ROLE', 'SINCE'], ...list.map((m) => [m.username, m.role, m.since.slice(0, 10)])]);
  return 0;
};

export const add: Run<{ role: string }> = async ([org, user], options, ctx) => {
  // Checked here too, so a typo never reaches the registry.
  const role = parseRole(options.role);
  await callRegistry(ctx, `add ${user} to ${org}`, `api/v1/orgs/${segment(org!)}/members`, OK_ANSWER, { method: 'POST', json: { username: user, role } });
  ctx.out(`Added ${user} to ${org} as ${role}`);
  return 0;
};

export const role: Run = async ([org, user, wanted], _options, ctx) => {
  const role = parseRole(wanted!);
  await callRegistry(ctx, `change the role of ${user} in ${org}`, `api/v1/orgs/${segment(org!)}/members/${segment(user!)}`, OK_ANSWER, { method: 'PUT', json: { role } });
  ctx.out(`${user} is now ${role === 'owner' ? 'an owner' : 'a member'} of ${org}`);
  return 0;
};

export const remove: Run = async ([org, user], _options, ctx) => {
  await callRegistry(ctx, `remove ${user} from ${org}`, `api/v1/orgs/${segment(org!)}/members/${segment(user!)}`, OK_ANSWER, { method: 'DELETE' });
  ctx.out(`Removed ${user} from ${org}`);
  return 0;
};

export const leave: Run = async ([org], _options, ctx) => {
  await callRegistry(ctx, `leave ${org}`, `api/v1/orgs/${segment(org!)}/leave`, OK_ANSWER, { method: 'POST' });
  ctx.out(`Left ${org}`);
  return 0;
};

export const org: Run = async (_args, _options, ctx) => {
  throw new CliExit('Usage: flock org create|members|add|role|remove|leave|store … (see flock org --help)');
};
