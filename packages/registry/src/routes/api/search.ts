import { Hono } from 'hono';
import { FlockError, SEARCH_SORTS, type SearchSort } from '@flock/core';
import { authenticate, type AppContext, type AppEnv } from '../../http.js';
import { MAX_KEYWORD_LENGTH } from '../../services/search/keywords.js';
import type { SearchOptions } from '../../services/search/search-service.js';

export function parsePage(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  if (!/^\d{1,4}$/.test(raw)) throw new FlockError('bad_request', `Invalid page "${raw.slice(0, 20)}": expected a whole number`);
  return Number(raw);
}

/** `sort` (relevance when absent) and `keyword` (none when absent or empty) of a search URL; anything else is a 400. */
export function parseSearchOptions(c: AppContext): SearchOptions {
  const sort = c.req.query('sort') || 'relevance';
  if (!(SEARCH_SORTS as readonly string[]).includes(sort)) {
    throw new FlockError('bad_request', `Invalid sort "${sort.slice(0, 20)}": expected ${SEARCH_SORTS.join(', ')}`);
  }
  const keyword = (c.req.query('keyword') ?? '').trim().toLowerCase();
  if (keyword.length > MAX_KEYWORD_LENGTH) throw new FlockError('bad_request', `The keyword is too long (at most ${MAX_KEYWORD_LENGTH} characters)`);
  return { sort: sort as SearchSort, keyword: keyword === '' ? null : keyword };
}

/** GET /api/v1/search?q=WORDS&page=N&sort=relevance|downloads|recent&keyword=KW */
export function searchRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const result = await c.var.services.search.search(await authenticate(c), c.req.query('q') ?? '', parsePage(c.req.query('page')), parseSearchOptions(c));
    return c.json(result);
  });
  return app;
}
