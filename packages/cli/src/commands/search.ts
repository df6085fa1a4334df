import type { SearchResultDto } from '@flock/core';
import { z } from 'zod';
import { apiFailure } from '../api-error.js';
import { readJson, registryClient } from '../client.js';
import type { Run } from './types.js';

const SEARCH_ANSWER = z.object({
  query: z.string(),
  page: z.number(),
  perPage: z.number(),
  total: z.number(),
  capped: z.literal(true).optional(),
  hits: z.array(z.object({ org: z.string(), name: z.string(), version: z.string().nullish(), description: z.string().nullish() })),
});

export const search: Run<{ json?: boolean; page?: string }> = async (args, options, ctx) => {
  const client = await registryClient(ctx);
  const query = new URLSearchParams({ q: args.join(' '), page: options.page ?? '1' });
  const response = await client.request(`api/v1/search?${query.toString()}`, { auth: true });
  if (!response.ok) throw apiFailure(response, 'Search failed');
  // Checked even for --json, so a server that is not a registry is never passed off as its answer.
  const result = readJson<SearchResultDto>(response, SEARCH_ANSWER);
  if (options.json) {
    ctx.out(response.text);
    return 0;
  }
  for (const hit of result.hits) ctx.out(`${hit.org}/${hit.name} ${hit.version ?? '-'} — ${hit.description ?? ''}`.trimEnd());
  if (result.total === 0) ctx.err(`No packages match "${result.query}"`);
  else if (result.total > result.page * result.perPage) ctx.err(`… ${result.total}${result.capped ? '+' : ''} in all; see more with --page ${result.page + 1}`);
  return 0;
};
