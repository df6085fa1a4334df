import type { NewTokenDto, TokenDto } from '@flock/core';
import { z } from 'zod';
import { CliExit, type CommandContext } from '../context.js';
import { callRegistry, printTable, segment } from './registry-call.js';
import type { Run } from './types.js';

const TOKEN_ANSWER = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  orgs: z.array(z.string()).nullish(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullish(),
  expiresAt: z.string().nullish(),
  expired: z.boolean(),
});
const TOKENS_ANSWER = z.array(TOKEN_ANSWER);
const NEW_TOKEN_ANSWER = z.object({ token: z.string(), info: TOKEN_ANSWER });

/** A token named by id, or by name when exactly one token has it. */
async function resolveToken(ctx: CommandContext, ref: string, action: string): Promise<TokenDto> {
  const tokens = await callRegistry<TokenDto[]>(ctx, `${action} ${ref}`, 'api/v1/tokens', TOKENS_ANSWER);
  const byId = tokens.find((t) => t.id === ref);
  if (byId) return byId;
  const named = tokens.filter((t) => t.name === ref);
  if (named.length === 1) return named[0]!;
  throw new CliExit(named.length === 0 ? `No token "${ref}" (see flock token list)` : `${named.length} tokens are named "${ref}": give its id (see flock token list)`);
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-');

/** The documented --json shape: TokenDto's fields, picked so nothing else the registry sends slips through. */
const tokenJson = (t: TokenDto): TokenDto => ({
  id: t.id, name: t.name, scopes: t.scopes, orgs: t.orgs ?? null, createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt ?? null, expiresAt: t.expiresAt ?? null, expired: t.expired,
});

export const list: Run<{ json?: boolean }> = async (_args, options, ctx) => {
  const tokens = await callRegistry<TokenDto[]>(ctx, 'list tokens', 'api/v1/tokens', TOKENS_ANSWER);
  if (options.json) {
    ctx.out(JSON.stringify(tokens.map(tokenJson), null, 2));
    return 0;
  }
  if (tokens.length === 0) {
    ctx.out('No tokens.');
    return 0;
  }
  const rows = tokens.map((t) => [t.id, t.name, t.scopes.join(','), t.orgs?.join(',') ?? 'all', day(t.createdAt), day(t.lastUsedAt), t.expired ? 'expired' : day(t.expiresAt)]);
  printTable(ctx, [['ID', 'NAME', 'SCOPES', 'ORGS', 'CREATED', 'LAST USED', 'EXPIRES'], ...rows]);
  return 0;
};

interface CreateOptions {
  name: string;
  scopes: string;
  orgs?: string;
  expiresInDays?: string;
}

export const create: Run<CreateOptions> = async (_args, options, ctx) => {
  const body = { name: options.name, scopes: options.scopes, orgs: options.orgs ?? '', expiresInDays: options.expiresInDays ?? null };
  const created = await callRegistry<NewTokenDto>(ctx, `create token ${options.name}`, 'api/v1/tokens', NEW_TOKEN_ANSWER, { method: 'POST', json: body });
  ctx.out(created.token);
  return 0;
};

export const revoke: Run = async ([ref], _options, ctx) => {
  const token = await resolveToken(ctx, ref!, 'revoke token');
  await callRegistry(ctx, `revoke token ${ref}`, `api/v1/tokens/${segment(token.id)}`, TOKEN_ANSWER, { method: 'DELETE' });
  ctx.out(`Revoked token ${token.name} (${token.id})`);
  return 0;
};

export const rotate: Run = async ([ref], _options, ctx) => {
  const token = await resolveToken(ctx, ref!, 'rotate token');
  const rotated = await callRegistry<NewTokenDto>(ctx, `rotate token ${ref}`, `api/v1/tokens/${segment(token.id)}/rotate`, NEW_TOKEN_ANSWER, { method: 'POST' });
  ctx.out(rotated.token);
  return 0;
};

export const token: Run<{ json?: boolean }> = async (_args, options, ctx) => {
  return list([], options, ctx);
};
