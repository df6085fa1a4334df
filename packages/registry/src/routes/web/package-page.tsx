import { raw } from 'hono/html';
import { describeRebuild, HighlightBudget, highlightKestrel, itemAnchor, renderDocMarkdown, renderMarkdown, type DocModel, type HeldVersionDto, type PackageDto, type PreviousVersion, type VersionDto } from '@flock/core';
import { DOWNLOADS_SLOT } from './downloads-card.js';
import { Layout } from './layout.js';
import { PackagePublishingCard, type PackagePublishingView } from './trust-card.js';
import { HeldCard, UnusualCard } from './package-unusual.js';
import { Facts, InstallCard, installable, UsedBy, VersionsCard, type Dependents, type ListedVersion } from './package-facts.js';

export interface PackagePageProps {
  pkg: PackageDto;
  version: VersionDto;
  /** The README and API reference sections, rendered by renderPackageContent (and cached per version). */
  content: string;
  /** Whether the page shows the newest version (the URL had no version). */
  isLatest: boolean;
  /** The signed-in user, for the header (null: nobody; undefined: not a page with sessions). */
  user?: string | null;
  /** For an owner signed in with a session: the CSRF token for the owner's forms. */
  owner?: { csrf: string; publishing?: PackagePublishingView | null } | null;
  /** Every version, newest first, with yank reasons. */
  versions: ListedVersion[];
  /** "Used by", already filtered to what the viewer may see. */
  dependents: Dependents;
  /** The registry clock's now, for relative times. */
  now: Date;
  /** The version before this one, which its unusual-publish flags compare with. */
  previous?: PreviousVersion | null;
  /** For owners: versions held for approval. */
  held?: HeldVersionDto[];
}

function ApiReference({ docs }: { docs: DocModel }) {
  // One budget for the whole reference: a docs upload may hold 10,000 items, each with a signature and examples.
  const budget = new HighlightBudget();
  return (
    <section class="card" id="api">
      <h2>API reference</h2>
      {docs.modules.map((module) => (
        <div class="module" id={`module.${module.name}`}>
          <h3>
            <code>{module.name}</code>
          </h3>
          {module.doc ? <div class="doc">{raw(renderDocMarkdown(module.doc, budget))}</div> : null}
          {module.items.map((item) => {
            const anchor = itemAnchor(module, item);
            return (
              <div class="item" id={anchor}>
                <h4>
                  <span class="kind">{item.kind}</span>
                  <code>{item.name}</code>
                  <a class="anchor" href={`#${anchor}`} aria-label={`Link to ${item.name}`}>
                    #
                  </a>
                </h4>
                <pre>
                  <code class="hljs language-kestrel">{raw(highlightKestrel(item.signature, budget))}</code>
                </pre>
                <div class="doc">{raw(renderDocMarkdown(item.doc, budget))}</div>
              </div>
            );
          })}
        </div>
      ))}
    </section>
  );
}

/** A link only for http(s) URLs: a manifest's `repository` is the publisher's text and could say `javascript:`. */
function MaybeLink({ url }: { url: string }) {
  return /^https?:\/\//i.test(url) ? <a href={url} rel="nofollow noopener">{url}</a> : <code>{url}</code>;
}

/** Where the version was built from, and the command that re-derives it. Links only for http(s) URLs. */
function Provenance({ pkg, version }: { pkg: PackageDto; version: VersionDto }) {
  const p = version.provenance;
  if (!p) return null;
  const repo = p.repository;
  return (
    <div class="card" id="provenance">
      <div>Source</div>
      <dl>
        {repo ? (<><dt>Repository</dt><dd id="source-repository"><MaybeLink url={repo} /></dd></>) : null}
        {p.commit ? (<><dt>Commit</dt><dd><code id="source-commit">{p.commit}</code>{p.path ? <> in <code>{p.path}</code></> : null}</dd></>) : null}
        {p.dirty ? (<><dt>Dirty</dt><dd id="source-dirty"><span class="badge yanked">dirty</span> published with --allow-dirty: not re-derivable from the commit</dd></>) : null}
        {p.buildCommand ? (<><dt>Build</dt><dd><code id="build-command">{p.buildCommand}</code></dd></>) : null}
        {p.commit && repo ? (<><dt>Verify</dt><dd class="install"><code id="verify-command">flock verify {pkg.org}/{pkg.name}@{version.version}</code></dd></>) : null}
      </dl>
    </div>
  );
}

/**
 * What the registry's own rebuild of this version found (a rebuild worker clones the recorded
 * commit, builds and packs without network, and compares); nothing until a worker has taken it.
 */
function Rebuild({ version }: { version: VersionDto }) {
  const rebuild = version.rebuild;
  if (!rebuild) return null;
  const label = rebuild.status === 'running' ? 'Being rebuilt by the registry' : 'Rebuilt by the registry';
  return (
    <div class="card" id="rebuild" data-status={rebuild.status}>
      {label}: <strong id="rebuild-status">{describeRebuild(rebuild)}</strong>
    </div>
  );
}

/** An owner's control: make the package private (it then exists only for members) or public again. */
function VisibilityCard({ pkg, csrf }: { pkg: PackageDto; csrf: string }) {
  const next = pkg.visibility === 'public' ? 'private' : 'public';
  return (
    <div class="card" id="visibility">
      <div>Visibility: <strong>{pkg.visibility}</strong></div>
      <form method="post" action={`/flock/${pkg.org}/${pkg.name}/visibility`}>
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="visibility" value={next} />
        <button type="submit" class="secondary">{next === 'private' ? 'Make private' : 'Make public'}</button>
      </form>
    </div>
  );
}

function Sidebar({ pkg, version, owner, versions, dependents, now }: Pick<PackagePageProps, 'pkg' | 'version' | 'versions' | 'dependents' | 'now'> & { owner: { csrf: string } | null }) {
  return (
    <aside>
      {owner ? <VisibilityCard pkg={pkg} csrf={owner.csrf} /> : null}
      <div class="card" id="about">
        <dl class="flush">
          <Facts pkg={pkg} version={version} now={now} />
          {version.repository ? (<><dt>Repository</dt><dd><MaybeLink url={version.repository} /></dd></>) : null}
          <dt>Checksum</dt>
          <dd><code>{version.checksum}</code></dd>
          <dt>Dependencies</dt>
          {version.dependencies.length > 0
            ? version.dependencies.map((d) => (<dd class="dependency"><a href={`/flock/${d.package}`}>{d.package}</a> <code>{d.range}</code></dd>))
            : <dd class="muted">none</dd>}
        </dl>
      </div>
      <UsedBy dependents={dependents} />
      <Provenance pkg={pkg} version={version} />
      <Rebuild version={version} />
      <VersionsCard pkg={pkg} versions={versions} now={now} />
      {raw(DOWNLOADS_SLOT)}
    </aside>
  );
}

/**
 * The README and API reference of a version: what a version's page spends most of its time on
 * (Markdown through marked and sanitize-html), and what never changes for a version, so the
 * caller caches the string.
 */
export async function renderPackageContent(readme: string | null, docs: DocModel | null): Promise<string> {
  const content = (
    <div>
      <section class="card readme" id="readme">
        {readme ? raw(renderMarkdown(readme)) : <p class="lead">This package has no README.</p>}
      </section>
      {docs ? <ApiReference docs={docs} /> : <section class="card" id="api"><h2>API reference</h2><p class="lead">No documentation was uploaded for this version.</p></section>}
    </div>
  );
  return String(await content.toString());
}

export function PackagePage({ pkg, version, content, isLatest, user, owner, versions, dependents, now, previous, held }: PackagePageProps) {
  const good = installable(pkg);
  return (
    <Layout title={`${pkg.org}/${pkg.name} ${version.version} — Flock`} user={user}>
      <h1>
        <span class="org">{pkg.org}/</span>
        {pkg.name}
        <span class="badge" id="version">{version.version}</span>
        {pkg.visibility === 'private' ? <span class="badge private">private</span> : null}
        {version.yanked ? <span class="badge yanked">yanked</span> : null}
      </h1>
      <p class="lead">{version.description ?? ''}{!isLatest && pkg.latest && pkg.latest !== version.version ? <> — newest is <a href={`/flock/${pkg.org}/${pkg.name}`}>{pkg.latest}</a></> : null}</p>
      {version.hasDocs ? <p><a class="button" id="api-link" href={`/flock/${pkg.org}/${pkg.name}/${version.version}/api`}>API reference</a></p> : null}
      {pkg.deprecated !== null ? <div class="card" id="deprecated"><span class="badge yanked">deprecated</span> {pkg.deprecated}</div> : null}
      {version.yanked ? (
        <div class="card" id="yanked">
          <span class="badge yanked">yanked</span> This version is yanked: {version.yankReason ?? 'installed only from lockfiles that already pin it; never chosen anew.'}
          {good !== null ? <> The newest version that is not yanked is <a id="newest-good" href={`/flock/${pkg.org}/${pkg.name}/${good}`}>{good}</a>.</> : null}
        </div>
      ) : null}
      <UnusualCard version={version} previous={previous ?? null} />
      {owner && held ? <HeldCard pkg={pkg} held={held} csrf={owner.csrf} /> : null}
      {/* The Install card comes first in the markup, so on a phone (one column) it is above the README. */}
      <div class="layout package">
        <InstallCard pkg={pkg} />
        <div class="package-main">{raw(content)}{owner?.publishing ? <PackagePublishingCard view={owner.publishing} /> : null}</div>
        <Sidebar pkg={pkg} version={version} owner={owner ?? null} versions={versions} dependents={dependents} now={now} />
      </div>
    </Layout>
  );
}
