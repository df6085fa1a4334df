import { FlockError, maxSatisfying, parseDocModel, parsePackageRef, parseVersion, parseVersionRange, type DependencyDto, type Version } from '@flock/core';
import type { Principal } from '../../auth/principal.js';
import { authenticate, packageParams, type AppContext } from '../../http.js';
import { toVersionDto } from '../../services/packages.js';
import { typeAnchors, type LinkedDependency } from './api-links.js';
import { ApiPage, renderApiContent } from './api-page.js';
import { pageSession } from './session.js';

/** More dependencies than this and the rest are shown unlinked: each costs queries and a docs read. */
const MAX_LINKED_DEPENDENCIES = 50;

type Packages = AppContext['var']['services']['packages'];

/**
 * The version of a dependency its range resolves to for this viewer: the newest unyanked one
 * matching (a yanked one only when nothing else does), among those the viewer may see.
 */
async function resolveDependency(packages: Packages, principal: Principal | null, dep: DependencyDto) {
  try {
    const { org, name } = parsePackageRef(dep.package);
    const range = parseVersionRange(dep.range);
    const visible = await packages.findVisible(principal, org, name);
    const versions = await packages.listVersions(visible.pkg);
    const pick = (rows: typeof versions) => maxSatisfying(rows.map((v) => v.version as Version), range);
    const version = pick(versions.filter((v) => v.yanked === 0)) ?? pick(versions);
    const row = versions.find((v) => v.version === version);
    return row ? { org, name, visible, row } : null;
  } catch (error) {
    // Not visible to this viewer, or gone: the name stays plain text.
    if (error instanceof FlockError) return null;
    throw error;
  }
}

/** A dependency's page and type anchors; its docs are read only when the page is not already cached. */
async function linkDependency(packages: Packages, found: NonNullable<Awaited<ReturnType<typeof resolveDependency>>>): Promise<LinkedDependency> {
  const bytes = await packages.readDocs({ org: found.visible.org, version: found.row });
  const anchors = bytes ? typeAnchors(parseDocModel(JSON.parse(bytes.toString('utf8'))), true) : new Map<string, string>();
  return { name: found.name, page: `/flock/${found.org}/${found.name}/${found.row.version}/api`, anchors };
}

/** GET /flock/:org/:name/api and /flock/:org/:name/:version/api. */
export async function renderApiPage(c: AppContext, rawVersion: string | undefined) {
  const { org, name } = packageParams(c);
  const { packages, renderedPages } = c.var.services;
  const wanted = rawVersion === undefined ? null : parseVersion(rawVersion);
  const session = await pageSession(c);
  const principal = session?.principal ?? (await authenticate(c));
  const page = await packages.findPage(principal, org, name, wanted);
  const row = page.version;
  const version = toVersionDto(page.org, page.pkg, row, row.publisher);
  let content: string | null = null;
  if (row.docs_key !== null) {
    const resolved = await Promise.all(version.dependencies.slice(0, MAX_LINKED_DEPENDENCIES).map((dep) => resolveDependency(packages, principal, dep)));
    const deps = resolved.filter((found) => found !== null);
    // The version's docs never change; what its links point to changes with what the viewer sees
    // of its dependencies, so that is part of the key (a private dependency's docs key included).
    const key = ['api', page.pkg.id, row.version, row.checksum, row.docs_key, ...deps.map((d) => `${d.org}/${d.name}@${d.row.version}:${d.row.docs_key ?? ''}`)].join('\n');
    content = await renderedPages.getOrRender(key, async () => {
      const bytes = await packages.readDocs(page);
      if (!bytes) throw new Error(`docs ${row.docs_key} missing for ${org}/${name}@${row.version}`);
      const docs = parseDocModel(JSON.parse(bytes.toString('utf8')));
      const dependencies = await Promise.all(deps.map((found) => linkDependency(packages, found)));
      return renderApiContent(docs, { provenance: version.provenance, dependencies });
    });
  }
  // Shared caches only for nobody in particular: a token or session may see private dependencies' links.
  const shared = page.pkg.visibility === 'public' && principal === null;
  c.header('cache-control', shared ? 'public, max-age=60' : 'private, no-store');
  return c.html(<ApiPage pkg={page.package} version={version} content={content} user={session?.principal.username ?? null} />);
}
