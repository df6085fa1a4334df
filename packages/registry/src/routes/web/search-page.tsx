import { SEARCH_SORTS, type SearchResultDto, type SearchSort } from '@flock/core';
import { formatCount } from './downloads-card.js';
import { Layout } from './layout.js';

/** A search URL: the query, sort and keyword kept (each only when not the default). */
export function searchHref({ query, sort, keyword }: { query: string; sort: SearchSort; keyword: string | null }, page = 1): string {
  const params = new URLSearchParams();
  if (query) params.set('q', query);
  if (keyword) params.set('keyword', keyword);
  if (sort !== 'relevance') params.set('sort', sort);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return text ? `/search?${text}` : '/search';
}

const SORT_NAMES: Record<SearchSort, string> = { relevance: 'Relevance', downloads: 'Downloads', recent: 'Recently updated' };

export function SearchPage({ result, user }: { result: SearchResultDto; user?: string | null }) {
  const pages = Math.max(1, Math.ceil(result.total / result.perPage));
  const title = result.keyword && !result.query ? `Keyword ${result.keyword}` : result.query;
  return (
    <Layout title={`${title ? `${title} — ` : ''}Search — Flock`} user={user}>
      <div class="card">
        <h1>{result.keyword && !result.query ? <>Packages with keyword <span id="keyword">{result.keyword}</span></> : 'Search'}</h1>
        <form method="get" action="/search" class="row">
          <input type="search" name="q" value={result.query} aria-label="Search packages" />
          {result.keyword ? <input type="hidden" name="keyword" value={result.keyword} /> : null}
          {result.sort !== 'relevance' ? <input type="hidden" name="sort" value={result.sort} /> : null}
          <button type="submit">Search</button>
        </form>
        {result.keyword && result.query ? (
          <p class="lead">Only packages with keyword <strong id="keyword">{result.keyword}</strong>. <a href={searchHref({ ...result, keyword: null })}>Show all</a></p>
        ) : null}
        <p class="lead" id="sort">
          Sort by:{' '}
          {SEARCH_SORTS.map((sort, i) => (
            <>
              {i > 0 ? ' · ' : ''}
              {sort === result.sort ? <strong aria-current="true">{SORT_NAMES[sort]}</strong> : <a href={searchHref({ ...result, sort })}>{SORT_NAMES[sort]}</a>}
            </>
          ))}
        </p>
        <p class="lead" id="total">{result.capped ? `${result.total}+ packages` : result.total === 1 ? '1 package' : `${result.total} packages`}</p>
        <ul class="versions" id="results">
          {result.hits.map((hit) => (
            <li>
              <span>
                <a href={`/flock/${hit.org}/${hit.name}`}>{hit.org}/{hit.name}</a> <span class="lead">{hit.description ?? ''}</span>
              </span>
              <span class="nowrap">
                {hit.version ?? ''} <span class="muted" data-downloads={hit.downloads}>{formatCount(hit.downloads)} downloads</span>
              </span>
            </li>
          ))}
        </ul>
        {pages > 1 ? (
          <p class="lead">
            {result.page > 1 ? <a rel="prev" href={searchHref(result, result.page - 1)}>Previous</a> : null} Page {result.page} of {pages}{' '}
            {result.page < pages ? <a rel="next" href={searchHref(result, result.page + 1)}>Next</a> : null}
          </p>
        ) : null}
      </div>
    </Layout>
  );
}
