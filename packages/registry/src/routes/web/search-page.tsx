import type { SearchResultDto } from '@flock/core';
import { Layout } from './layout.js';

function pageHref(query: string, page: number): string {
  return `/search?${new URLSearchParams({ q: query, page: String(page) }).toString()}`;
}

export function SearchPage({ result, user }: { result: SearchResultDto; user?: string | null }) {
  const pages = Math.max(1, Math.ceil(result.total / result.perPage));
  return (
    <Layout title={`${result.query ? `${result.query} — ` : ''}Search — Flock`} user={user}>
      <div class="card">
        <h1>Search</h1>
        <form method="get" action="/search" class="row">
          <input type="search" name="q" value={result.query} aria-label="Search packages" />
          <button type="submit">Search</button>
        </form>
        <p class="lead" id="total">{result.capped ? `${result.total}+ packages` : result.total === 1 ? '1 package' : `${result.total} packages`}</p>
        <ul class="versions" id="results">
          {result.hits.map((hit) => (
            <li>
              <span>
                <a href={`/flock/${hit.org}/${hit.name}`}>{hit.org}/{hit.name}</a> <span class="lead">{hit.description ?? ''}</span>
              </span>
              <span>{hit.version ?? ''}</span>
            </li>
          ))}
        </ul>
        {pages > 1 ? (
          <p class="lead">
            {result.page > 1 ? <a rel="prev" href={pageHref(result.query, result.page - 1)}>Previous</a> : null} Page {result.page} of {pages}{' '}
            {result.page < pages ? <a rel="next" href={pageHref(result.query, result.page + 1)}>Next</a> : null}
          </p>
        ) : null}
      </div>
    </Layout>
  );
}
