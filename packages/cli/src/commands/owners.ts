import { formatClaimRules, type PublishersDto } from '@flock/core';
import { z } from 'zod';
import { CliExit, type CommandContext } from '../context.js';
import { callRegistry, printTable, segment } from './registry-call.js';
import { PUBLISHER_ANSWER, parseTarget } from './trust.js';
import type { Run } from './types.js';

const PUBLISHERS_ANSWER = z.object({
  package: z.string(),
  settings: z.object({ trustedPublishingOnly: z.boolean(), orgTrustedPublishingOnly: z.boolean(), holdUnusual: z.boolean() }),
  tokenPublishes: z.boolean(),
  people: z.array(z.object({ username: z.string(), role: z.enum(['owner', 'member']) })),
  tokens: z.array(z.object({ id: z.string(), name: z.string(), owner: z.string(), scopes: z.array(z.string()), lastUsedAt: z.string().nullable(), expiresAt: z.string().nullable() })),
  trustedPublishers: z.array(PUBLISHER_ANSWER),
  shortLivedTokens: z.array(z.object({ id: z.string(), publisherId: z.string(), publisher: z.string(), createdAt: z.string(), expiresAt: z.string() })),
});

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-');
const onOff = (value: boolean) => (value ? 'on' : 'off');

function section(ctx: CommandContext, title: string, rows: string[][], none: string): void {
  ctx.out('');
  ctx.out(title);
  if (rows.length <= 1) ctx.out(`  ${none}`);
  else printTable({ ...ctx, out: (line) => ctx.out(`  ${line}`) }, rows);
}

/** `flock owners ORG/NAME`: every credential that could publish the package now (org owners). */
export const owners: Run<{ json?: boolean }> = async ([ref], options, ctx) => {
  const { org, name } = parseTarget(ref!, 'list who can publish');
  if (name === null) throw new CliExit(`Cannot list who can publish ${org}: name a package, ORG/NAME`);
  const answer = await callRegistry<PublishersDto>(ctx, `list who can publish ${ref}`, `api/v1/packages/${segment(org)}/${segment(name)}/publishers`, PUBLISHERS_ANSWER);
  if (options.json) {
    ctx.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const s = answer.settings;
  ctx.out(`Who can publish ${answer.package}`);
  ctx.out(`trusted-publishing-only ${onOff(s.trustedPublishingOnly)} (org: ${onOff(s.orgTrustedPublishingOnly)}), hold-unusual ${onOff(s.holdUnusual)}`);
  section(ctx, 'People (any member may publish with a browser session or a token they mint)', [['USER', 'ROLE'], ...answer.people.map((p) => [p.username, p.role])], 'none');
  const tokenRows = [['ID', 'NAME', 'OWNER', 'SCOPES', 'LAST USED', 'EXPIRES'], ...answer.tokens.map((t) => [t.id, t.name, t.owner, t.scopes.join(','), day(t.lastUsedAt), day(t.expiresAt)])];
  section(ctx, 'Tokens', tokenRows, answer.tokenPublishes ? 'none' : 'none: trusted-publishing-only is on, so token publishes are refused');
  const publisherRows = [['ID', 'PACKAGE', 'ISSUER', 'AUDIENCE', 'RULES'], ...answer.trustedPublishers.map((p) => [p.id, p.package ?? '*', p.issuer, p.audience, formatClaimRules(p.claims)])];
  section(ctx, 'Trusted publishers', publisherRows, 'none');
  section(ctx, 'Short-lived tokens (unused)', [['ID', 'PUBLISHER', 'EXPIRES'], ...answer.shortLivedTokens.map((t) => [t.id, t.publisher, t.expiresAt])], 'none');
  return 0;
};
