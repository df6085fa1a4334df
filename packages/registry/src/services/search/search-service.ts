import { compareVersions, FlockError, type SearchResultDto, type SearchSort, type Version } from '@flock/core';
import type { Principal } from '../../auth/principal.js';
import type { Db } from '../../db/connect.js';
import type { AccessService } from '../access.js';
import type { DownloadsService } from '../downloads.js';
import type { PackagesService } from '../packages.js';
import type { SearchIndex } from './index.js';

export const SEARCH_PAGE_SIZE = 20;
const MAX_PAGE = 500;

export interface SearchServiceDeps {
  db: Db;
  index: SearchIndex;
  access: AccessService;
  packages: PackagesService;
  downloads: Pick<DownloadsService, 'totals'>;
}

/** A search's order and filter, checked at the edge (routes/api/search.ts parseSearchOptions). */
export interface SearchOptions {
  sort: SearchSort;
  keyword: string | null;
}

/** Search as a given principal: private packages of orgs they do not belong to are neither listed nor counted. */
export function createSearchService({ db, index, access, packages, downloads }: SearchServiceDeps) {
  /** Each package's newest version (as packages.latestOf picks it), in one query for the whole page. */
  async function latestVersions(packageIds: string[]): Promise<Map<string, string>> {
    if (packageIds.length === 0) return new Map();
    const rows = await db.selectFrom('versions').select(['package_id', 'version', 'yanked']).where('package_id', 'in', packageIds).execute();
    const byPackage = new Map<string, typeof rows>();
    for (const row of rows) {
      const versions = byPackage.get(row.package_id);
      if (versions) versions.push(row);
      else byPackage.set(row.package_id, [row]);
    }
    const latest = new Map<string, string>();
    for (const [id, versions] of byPackage) {
      versions.sort((a, b) => compareVersions(b.version as Version, a.version as Version));
      const pick = packages.latestOf(versions);
      if (pick) latest.set(id, pick.version);
    }
    return latest;
  }

  async function search(principal: Principal | null, text: string, page = 1, { sort, keyword }: SearchOptions = { sort: 'relevance', keyword: null }): Promise<SearchResultDto> {
    if (text.length > 200) throw new FlockError('bad_request', 'The search query is too long (at most 200 characters)');
    if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) throw new FlockError('bad_request', `Invalid page: expected a whole number from 1 to ${MAX_PAGE}`);
    const readableOrgIds = await access.readableOrgIds(principal);
    const found = await index.search({ text, readableOrgIds, limit: SEARCH_PAGE_SIZE, offset: (page - 1) * SEARCH_PAGE_SIZE, sort, keyword });
    const rows = found.packageIds.length === 0 ? [] : await db
      .selectFrom('packages')
      .innerJoin('orgs', 'orgs.id', 'packages.org_id')
      .selectAll('packages')
      .select('orgs.name as org')
      .where('packages.id', 'in', found.packageIds)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const [latest, totals] = await Promise.all([latestVersions(found.packageIds), downloads.totals(found.packageIds)]);
    const hits = [];
    for (const id of found.packageIds) {
      const row = byId.get(id);
      if (!row) continue;
      hits.push({
        org: row.org, name: row.name, version: latest.get(id) ?? null, description: row.description, visibility: row.visibility,
        downloads: totals.get(id) ?? 0, updatedAt: row.updated_at,
      });
    }
    return { query: text, sort, keyword, page, perPage: SEARCH_PAGE_SIZE, total: found.total, ...(found.capped ? { capped: true as const } : {}), hits };
  }

  return { search };
}

export type SearchService = ReturnType<typeof createSearchService>;
