import type { SearchHitDto } from '@flock/core';
import { formatCount } from './downloads-card.js';
import { Layout } from './layout.js';
import { methodsText, type SignInMethods } from './login-page.js';

/** The front page's numbers and lists: public packages only, for everyone (so it reads the same signed in or not). */
export interface FrontPage {
  counts: { packages: number; versions: number; downloads: number };
  /** One row per package, last updated first, with its newest version. */
  recent: SearchHitDto[];
  /** The most downloaded, most first; never-downloaded packages left out. */
  popular: SearchHitDto[];
}

/** "3 hours ago" from an ISO time and now; the exact time is in the <time> element's datetime and title. */
export function relativeTime(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  const steps: Array<[number, string]> = [[60, 'second'], [60, 'minute'], [24, 'hour'], [30, 'day'], [12, 'month'], [Infinity, 'year']];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (value < size) return value === 0 && unit === 'second' ? 'just now' : `${value} ${unit}${value === 1 ? '' : 's'} ago`;
    value = Math.floor(value / size);
  }
  return iso.slice(0, 10);
}

function PackageList({ id, hits, now, show }: { id: string; hits: SearchHitDto[]; now: Date; show: 'updated' | 'downloads' }) {
  return (
    <ul class="versions" id={id}>
      {hits.map((p) => (
        <li>
          <span>
            <a href={`/flock/${p.org}/${p.name}`}>{p.org}/{p.name}</a> <span class="muted">{p.version ?? ''}</span> <span class="lead">{p.description ?? ''}</span>
          </span>
          {show === 'updated'
            ? <time class="nowrap" datetime={p.updatedAt} title={p.updatedAt}>{relativeTime(p.updatedAt, now)}</time>
            : <span class="nowrap" data-downloads={p.downloads}>{formatCount(p.downloads)} downloads</span>}
        </li>
      ))}
    </ul>
  );
}

export function HomePage({ front, now, methods, user }: { front: FrontPage; now: Date; methods: SignInMethods; user: string | null }) {
  const { counts, recent, popular } = front;
  return (
    <Layout title="Flock — the Kestrel package registry" user={user}>
      <div class="card">
        <h1>Flock</h1>
        <p class="lead">Publish Kestrel packages with an org and a token; depend on them with <code>flock add</code>.</p>
        {user ? (
          <p>Signed in as <a href="/account">{user}</a>.</p>
        ) : (
          <p id="sign-in-methods">
            {methodsText(methods)}{' '}
            {methods.github ? <a class="button" href="/login/github?next=/account">Sign in with GitHub</a> : methods.local ? <a class="button" href="/login?next=/account">Sign in or create an account</a> : null}
          </p>
        )}
        <dl class="stats" id="counts">
          <div><dt>Packages</dt><dd id="count-packages">{formatCount(counts.packages)}</dd></div>
          <div><dt>Versions</dt><dd id="count-versions">{formatCount(counts.versions)}</dd></div>
          <div><dt>Downloads</dt><dd id="count-downloads">{formatCount(counts.downloads)}</dd></div>
        </dl>
      </div>
      <div class="grid2">
        <div class="card">
          <h2>Recently updated</h2>
          {recent.length === 0 ? (
            <p class="lead">Nothing published yet. Run <code>flock publish</code> to be the first.</p>
          ) : (
            <><PackageList id="recent" hits={recent} now={now} show="updated" /><p class="flush-bottom"><a href="/search?sort=recent">More</a></p></>
          )}
        </div>
        <div class="card">
          <h2>Most downloaded</h2>
          {popular.length === 0 ? (
            <p class="lead">No downloads yet.</p>
          ) : (
            <><PackageList id="popular" hits={popular} now={now} show="downloads" /><p class="flush-bottom"><a href="/search?sort=downloads">More</a></p></>
          )}
        </div>
      </div>
    </Layout>
  );
}
