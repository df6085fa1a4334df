import { Hono } from 'hono';
import { FlockError, parseDocModel, parseVersion, type DocModel } from '@flock/core';
import { authenticate, packageParams, type AppContext, type AppEnv } from '../../http.js';
import { toVersionDto } from '../../services/packages.js';
import { accountRoutes } from './account.js';
import { authRoutes, methodsOf } from './auth.js';
import { HomePage } from './home.js';
import { orgRoutes } from './org.js';
import { PackagePage, renderPackageContent } from './package-page.js';
import { SearchPage } from './search-page.js';
import { loginRedirect, pageSession } from './session.js';
import { parsePage } from '../api/search.js';

async function renderPackage(c: AppContext, rawVersion: string | undefined) {
  const { org, name } = packageParams(c);
  const { packages, access, renderedPages } = c.var.services;
  // The browser session (or a bearer token): members see their org's private packages.
  const session = await pageSession(c);
  const principal = session?.principal ?? (await authenticate(c));
  // Access is checked here, before the cache of rendered READMEs is consulted.
  const page = await packages.findPage(principal, org, name, rawVersion === undefined ? null : parseVersion(rawVersion));
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
  // A signed-in view (owner forms, the user's name) is never shared through a cache.
  c.header('cache-control', page.pkg.visibility === 'public' && !session ? 'public, max-age=60' : 'private, no-store');
  return c.html(
    <PackagePage
      pkg={page.package} version={version} content={content} isLatest={rawVersion === undefined}
      user={session?.principal.username ?? null} owner={isOwner ? { csrf: session.csrf } : null}
    />,
  );
}

/** Server-rendered pages. */
export function webRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const principal = await authenticate(c);
    return c.html(<HomePage recent={await c.var.services.packages.recent(10)} methods={methodsOf(c)} user={principal?.username ?? null} />);
  });
  app.route('/', authRoutes());
  app.route('/', accountRoutes());
  app.route('/', orgRoutes());
  // The search service filters private packages by principal (session or bearer token).
  app.get('/search', async (c) => {
    const result = await c.var.services.search.search(await authenticate(c), c.req.query('q') ?? '', parsePage(c.req.query('page')));
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
  app.get('/flock/:org/:name', (c) => renderPackage(c, undefined));
  app.get('/flock/:org/:name/:version', (c) => renderPackage(c, c.req.param('version')));
  return app;
}
