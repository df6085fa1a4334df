import { raw } from 'hono/html';
import { describeTrustedPublish, type PackageDto, type VersionDto } from '@flock/core';
import { COPY_SCRIPT } from './account-page.js';

/** A version in the page's list: the package's summary plus why it was yanked. */
export interface ListedVersion {
  version: string;
  yanked: boolean;
  yankReason: string | null;
  publishedAt: string;
}

export interface Dependents {
  total: number;
  first: Array<{ org: string; name: string; version: string; range: string }>;
}

/** How many "Used by" entries a page lists; the rest is a count. */
export const DEPENDENTS_SHOWN = 20;

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;

/** "3 days ago", from the registry's clock; the coarsest unit that is at least 1. */
export function relativeTime(iso: string, now: Date): string {
  const seconds = Math.floor((now.getTime() - Date.parse(iso)) / 1000);
  if (!(seconds >= 60)) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return plural(hours, 'hour');
  const days = Math.floor(hours / 24);
  if (days < 30) return plural(days, 'day');
  if (days < 365) return plural(Math.floor(days / 30), 'month');
  return plural(Math.floor(days / 365), 'year');
}

/** A relative time with the exact one in the markup (and as a tooltip). */
export function When({ iso, now }: { iso: string; now: Date }) {
  return <time datetime={iso} title={iso}>{relativeTime(iso, now)}</time>;
}

/**
 * The newest version that is not yanked and, like `flock add`'s choice, not a pre-release unless
 * nothing else is: what the snippet offers (null when every version is yanked). `pkg.versions` is newest first.
 */
export function installable(pkg: Pick<PackageDto, 'versions'>): string | null {
  const good = pkg.versions.filter((v) => !v.yanked);
  return (good.find((v) => !v.version.includes('-')) ?? good[0])?.version ?? null;
}

/**
 * The install snippet, always for the newest version that is not yanked. The Copy buttons run the
 * pages' one copy script (allowed by its hash); without it the commands are plain selectable text.
 */
export function InstallCard({ pkg }: { pkg: PackageDto }) {
  const good = installable(pkg);
  const ref = `${pkg.org}/${pkg.name}`;
  return (
    <section class="card" id="install-card">
      <div>Install</div>
      {good === null ? (
        <p class="muted flush" id="install-none">Every version is yanked: there is nothing to install.</p>
      ) : (
        <>
          <div class="install">
            {/* `flock add org/name` takes no pre-release by itself: one must be asked for. */}
            {/* Focusable: a long name scrolls inside the line, and a keyboard must be able to scroll it too. */}
            <code id="install-command" tabindex={0}>flock add {ref}{good.includes('-') ? `@^${good}` : ''}</code>
            <button type="button" class="secondary small" data-copy="install-command" id="copy-install">Copy</button>
          </div>
          <div class="muted install-or">or under <code>[dependencies]</code> in flock.toml:</div>
          <div class="install">
            <code id="install-toml" tabindex={0}>"{ref}" = "^{good}"</code>
            <button type="button" class="secondary small" data-copy="install-toml" id="copy-toml">Copy</button>
          </div>
          <script>{raw(COPY_SCRIPT)}</script>
        </>
      )}
    </section>
  );
}

/** What the manifest says about the package: keywords, license, the org that owns it. */
export function Facts({ pkg, version, now }: { pkg: PackageDto; version: VersionDto; now: Date }) {
  return (
    <>
      {version.keywords.length > 0 ? (
        <><dt>Keywords</dt><dd class="keywords" id="keywords">{version.keywords.map((k) => <a href={`/search?keyword=${encodeURIComponent(k)}`}>{k}</a>)}</dd></>
      ) : null}
      <dt>License</dt>
      <dd id="license">{version.license ?? <span class="muted">none given</span>}</dd>
      <dt>Owner</dt>
      {/* Packages belong to an org; its members (listed on its page) publish and its owners manage. */}
      <dd id="owner"><a href={`/flock/${pkg.org}`}>{pkg.org}</a></dd>
      <dt>Published</dt>
      <dd id="published"><When iso={version.publishedAt} now={now} /> by {version.publisher}</dd>
      {/* Text only (JSX escapes it): the issuer and claims are what a CI's ID token said. */}
      {version.trustedPublisher ? <dd id="trusted-publisher">{describeTrustedPublish(version.trustedPublisher)}</dd> : null}
    </>
  );
}

export function VersionsCard({ pkg, versions, now }: { pkg: PackageDto; versions: ListedVersion[]; now: Date }) {
  const base = `/flock/${pkg.org}/${pkg.name}`;
  return (
    <div class="card" id="versions">
      <div>
        Versions
        {pkg.deprecated !== null ? <span class="badge yanked" title={pkg.deprecated}>deprecated</span> : null}
      </div>
      <ul class="versions">
        {versions.map((v) => (
          <li>
            <a href={`${base}/${v.version}`}>{v.version}</a>
            {v.yanked ? (
              <span class="badge yanked" title={v.yankReason ?? 'Yanked, no reason given'}>yanked</span>
            ) : (
              <When iso={v.publishedAt} now={now} />
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Other packages whose newest version depends on this one (only those the viewer may see). */
export function UsedBy({ dependents }: { dependents: Dependents }) {
  const { total, first } = dependents;
  return (
    <div class="card" id="used-by">
      <div>Used by <span class="muted" id="used-by-count">{total}</span></div>
      {total === 0 ? (
        <p class="muted flush">No package depends on this one yet.</p>
      ) : (
        <ul class="versions">
          {first.map((d) => (
            <li><a href={`/flock/${d.org}/${d.name}`}>{d.org}/{d.name}</a> <code>{d.range}</code></li>
          ))}
          {total > first.length ? <li class="muted">and {total - first.length} more</li> : null}
        </ul>
      )}
    </div>
  );
}
