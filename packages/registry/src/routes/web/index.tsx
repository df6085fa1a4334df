import { Hono } from 'hono';
import { FlockError, parseDocModel, parseVersion, previousOf, type DocModel, type OrgName, type PackageName, type Version } from '@flock/core';
import type { Principal } from '../../auth/principal.js';
import { authenticate, packageParams, type AppContext, type AppEnv } from '../../http.js';
import { toVersionDto } from '../../services/packages.js';
import { accountRoutes } from './account.js';
import { renderApiPage } from './api.js';
import { authRoutes, methodsOf } from './auth.js';
import { deviceRoutes } from './device.js';
import { fillDownloadsSlot, renderDownloadsCard } from './downloads-card.js';
import { heldFormRoutes } from './held-forms.js';
import { webhookFormRoutes } from './webhook-forms.js';
import { HomePage } from './home.js';
import { FAVICON_SVG } from './layout.js';
import { orgRoutes } from './org.js';
import { DEPENDENTS_SHOWN } from './package-facts.js';
import { PackagePage, renderPackageContent } from './package-page.js';
import { SearchPage } from './search-page.js';
import { render as renderOrgPage } from './org.js';
import { packagePublishingView, trustFormRoutes, type FormError } from './trust-forms.js';
import { loginRedirect, pageSession, type PageSession } from './session.js';
import { parsePage, parseSearchOptions } from '../api/search.js';

async function renderPackage(c: AppContext, rawVersion: string | undefined, error?: FormError) {
  const { org, name } = packageParams(c);
  const { sparseIndex, renderedPages, clock, packageGeneration } = c.var.services;
  const version = rawVersion === undefined ? null : parseVersion(rawVersion);
  // The browser session (or a bearer token): members see their org's private packages.
  const session = await pageSession(c);
  const principal = session?.principal ?? (await authenticate(c));
  if (principal === null) {
    // Seen by nobody in particular, a public package's page is the same for everyone until the package
    // changes, so it is kept whole, stamped with the sparse index's entry: every publish, yank, visibility
    // change and docs upload replaces that entry, on every replica. Taken before the page is read, so a
    // change while it renders leaves a page that is already stale by its stamp.
    // Two things on the page change without touching that entry, so they are in the stamp too:
    // "Used by" (a dependent's publish changes the dependent's entry: any package change bumps the
    // generation) and the relative times ("3 days ago", from the registry clock), which would go stale
    // in a page kept for days. Those are rendered on the server rather than by a script, so the page
    // reads the same without JavaScript; the cost is a page kept for the current minute only (as long
    // as browsers and proxies keep it, max-age=60). Only the page shell is rendered again then: the
    // README and API reference, the costly part, stay cached per version.
    const entry = await sparseIndex.get(org, name);
    if (entry?.visibility === 'public') {
      const minute = Math.floor(clock().getTime() / 60_000);
      const render = async () => String(await (await packageView(c, { org, name, version, session: null, principal: null })).element.toString());
      c.header('cache-control', 'public, max-age=60');
      const page = await renderedPages.getOrRender(`page\n${org}/${name}\n${rawVersion ?? ''}`, render, [entry, packageGeneration(), minute]);
      // Download counts change without a publish, so they are filled in per answer: see DOWNLOADS_SLOT.
      return c.html(fillDownloadsSlot(page, await downloadsCard(c, entry.packageId)));
    }
  }
  const { element, visibility, packageId } = await packageView(c, { org, name, version, session, principal, error: error?.message ?? null });
  // A signed-in view (owner forms, the user's name) is never shared through a cache.
  c.header('cache-control', visibility === 'public' && !session ? 'public, max-age=60' : 'private, no-store');
  return c.html(fillDownloadsSlot(String(await element.toString()), await downloadsCard(c, packageId)), error?.status ?? 200);
}

/**
 * The downloads card of a package the asker may read (checked by the caller), rendered again only
 * when its counts change: the summary is the same object until a flush or its reuse time ends.
 */
async function downloadsCard(c: AppContext, packageId: string): Promise<string> {
  const { downloads, renderedPages } = c.var.services;
  const summary = await downloads.summary(packageId);
  return renderedPages.getOrRender(`downloads\n${packageId}`, () => renderDownloadsCard(summary), summary);
}

interface ViewInput {
  org: OrgName;
  name: PackageName;
  version: Version | null;
  session: PageSession | null;
  principal: Principal | null;
  /** A publishing form's one-line refusal, shown in the owner's publishing section. */
  error?: string | null;
}

async function packageView(c: AppContext, { org, name, version: wanted, session, principal, error = null }: ViewInput) {
  const { packages, access, renderedPages, clock } = c.var.services;
  // Access is checked here, before the cache of rendered READMEs is consulted.
  const page = await packages.findPage(principal, org, name, wanted);
  const row = page.version;
  // A version's README never changes and its docs only once (from none), so this key never goes stale.
  const key = `${page.pkg.id}\n${row.version}\n${row.checksum}\n${row.docs_key ?? ''}`;
  const content = await renderedPages.getOrRender(key, async () => {
    const [readme, bytes] = await Promise.all([packages.readReadme(row.id), packages.readDocs(page)]);
    const docs: DocModel | null = bytes ? parseDocModel(JSON.parse(bytes.toString('utf8'))) : null;
    return renderPackageContent(readme, docs);
  });
  const version = toVersionDto(page.org, page.pkg, row, row.publisher);
  const isOwner = session !== null && (await access.roleIn(session.principal, page.org)) === 'owner';
  const publishing = isOwner ? await packagePublishingView(c, session, page.org.name as OrgName, page.pkg.name as PackageName, error) : null;
  const dependents = await packages.dependents(principal, page.org.name as OrgName, page.pkg.name as PackageName, DEPENDENTS_SHOWN);
  const before = previousOf(page.versions, row.version);
  const previous = before ? { version: before.version, commit: before.source_commit } : null;
  const held = isOwner ? await c.var.services.held.listFor(page.pkg.id) : [];
  const versions = page.versions.map((v) => ({ version: v.version, yanked: v.yanked !== 0, yankReason: v.yanked !== 0 ? v.yank_reason : null, publishedAt: v.published_at }));
  const element = (
    <PackagePage
      pkg={page.package} version={version} content={content} isLatest={wanted === null}
      user={session?.principal.username ?? null} owner={isOwner ? { csrf: session.csrf, publishing } : null}
      versions={versions} dependents={dependents} now={clock()} previous={previous} held={held}
    />
  );
  return { element, visibility: page.pkg.visibility, packageId: page.pkg.id };
}

/** Server-rendered pages. */
export function webRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // One small icon for both names: browsers that ask for /favicon.ico without reading the page's <link> get it too.
  const favicon = (c: AppContext) => c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' });
  app.get('/favicon.svg', favicon);
  app.get('/favicon.ico', favicon);
  app.get('/', async (c) => {
    const principal = await authenticate(c);
    const { search, downloads } = c.var.services;
    // As nobody in particular: the front page lists public packages only, whoever asks.
    const [counts, recent, popular] = await Promise.all([
      downloads.publicCounts(),
      search.search(null, '', 1, { sort: 'recent', keyword: null }),
      search.search(null, '', 1, { sort: 'downloads', keyword: null }),
    ]);
    const front = { counts, recent: recent.hits.slice(0, 10), popular: popular.hits.filter((hit) => hit.downloads > 0).slice(0, 10) };
    return c.html(<HomePage front={front} now={c.var.services.clock()} methods={methodsOf(c)} user={principal?.username ?? null} />);
  });
  app.route('/', authRoutes());
  app.route('/', accountRoutes());
  app.route('/', deviceRoutes());
  app.route('/', orgRoutes());
  app.route('/', trustFormRoutes({ org: renderOrgPage, pkg: (c, error) => renderPackage(c, undefined, error) }));
  app.route('/', heldFormRoutes());
  app.route('/', webhookFormRoutes());
  // The search service filters private packages by principal (session or bearer token).
  app.get('/search', async (c) => {
    const result = await c.var.services.search.search(await authenticate(c), c.req.query('q') ?? '', parsePage(c.req.query('page')), parseSearchOptions(c));
    return c.html(<SearchPage result={result} user={(await pageSession(c))?.principal.username ?? null} />);
  });
  app.post('/flock/:org/:name/visibility', async (c) => {
    const session = await pageSession(c);
    if (!session) return loginRedirect(c);
    const { org, name } = packageParams(c);
    const form = await c.req.parseBody();
    const visibility = form.visibility === 'private' || form.visibility === 'public' ? form.visibility : null;
    if (!visibility) throw new FlockError('bad_request', 'Visibility must be private or public');
    await c.var.services.admin.setVisibility({ principal: session.principal, org, name, visibility });
    return c.redirect(`/flock/${org}/${name}`, 303);
  });
  // Before /:version, which would take "api" as a version (no version can be called that: it is not semver).
  app.get('/flock/:org/:name/api', (c) => renderApiPage(c, undefined));
  app.get('/flock/:org/:name/:version/api', (c) => renderApiPage(c, c.req.param('version')));
  app.get('/flock/:org/:name', (c) => renderPackage(c, undefined));
  app.get('/flock/:org/:name/:version', (c) => renderPackage(c, c.req.param('version')));
  return app;
}
