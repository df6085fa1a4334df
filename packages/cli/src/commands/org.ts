import { parseRole, type MemberDto } from '@flock/core';
import { z } from 'zod';
import { OK_ANSWER } from '../client.js';
import { CliExit } from '../context.js';
import { orgStoreCommand } from './org-store.js';
import { callRegistry, printTable, segment } from './registry-call.js';
import type { CommandSpec } from './types.js';

const MEMBERS_ANSWER = z.array(z.object({ username: z.string(), role: z.string(), since: z.string() }));

const create: CommandSpec = {
  name: 'create',
  args: '<name>',
  summary: 'Create a shared organization, owned by you',
  async run([name], _options, ctx) {
    const org = await callRegistry<{ name: string }>(ctx, 'api/v1/orgs', z.object({ name: z.string() }), { method: 'POST', json: { name } });
    ctx.out(`Created organization ${org.name}`);
    return 0;
  },
};

const members: CommandSpec = {
  name: 'members',
  args: '<org>',
  summary: "List an organization's members (members only)",
  async run([org], _options, ctx) {
    const list = await callRegistry<MemberDto[]>(ctx, `api/v1/orgs/${segment(org!)}/members`, MEMBERS_ANSWER);
    printTable(ctx, [['USER', 'ROLE', 'SINCE'], ...list.map((m) => [m.username, m.role, m.since.slice(0, 10)])]);
    return 0;
  },
};

const add: CommandSpec<{ role: string }> = {
  name: 'add',
  args: '<org> <user>',
  summary: 'Add a member (owners only); --role owner to add an owner',
  options: [{ flags: '--role <role>', description: 'owner or member', default: 'member' }],
  async run([org, user], options, ctx) {
    // Checked here too, so a typo never reaches the registry.
    const role = parseRole(options.role);
    await callRegistry(ctx, `api/v1/orgs/${segment(org!)}/members`, OK_ANSWER, { method: 'POST', json: { username: user, role } });
    ctx.out(`Added ${user} to ${org} as ${role}`);
    return 0;
  },
};

const role: CommandSpec = {
  name: 'role',
  args: '<org> <user> <role>',
  summary: "Change a member's role to owner or member (owners only; never the last owner)",
  async run([org, user, wanted], _options, ctx) {
    const role = parseRole(wanted!);
    await callRegistry(ctx, `api/v1/orgs/${segment(org!)}/members/${segment(user!)}`, OK_ANSWER, { method: 'PUT', json: { role } });
    ctx.out(`${user} is now ${role === 'owner' ? 'an owner' : 'a member'} of ${org}`);
    return 0;
  },
};

const remove: CommandSpec = {
  name: 'remove',
  args: '<org> <user>',
  summary: 'Remove a member (owners only; never the last owner)',
  async run([org, user], _options, ctx) {
    await callRegistry(ctx, `api/v1/orgs/${segment(org!)}/members/${segment(user!)}`, OK_ANSWER, { method: 'DELETE' });
    ctx.out(`Removed ${user} from ${org}`);
    return 0;
  },
};

const leave: CommandSpec = {
  name: 'leave',
  args: '<org>',
  summary: 'Leave an organization (the last owner cannot)',
  async run([org], _options, ctx) {
    await callRegistry(ctx, `api/v1/orgs/${segment(org!)}/leave`, OK_ANSWER, { method: 'POST' });
    ctx.out(`Left ${org}`);
    return 0;
  },
};

export const orgCommand: CommandSpec = {
  name: 'org',
  summary: 'Create organizations, manage their members and their store',
  subcommands: [create, members, add, role, remove, leave, orgStoreCommand],
  async run(_args, _options, ctx) {
    throw new CliExit('Usage: flock org create|members|add|role|remove|leave|store … (see flock org --help)');
  },
};
