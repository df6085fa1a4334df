import type { Kysely, Migration } from 'kysely';

/**
 * Download counts and package keywords.
 *
 * version_downloads: one row per version per UTC day ("YYYY-MM-DD"); package_downloads: a package's
 * running total (what "most downloaded" and search's downloads sort read without summing days).
 * Both are only ever raised with `count = count + n` upserts from each process's in-memory tally
 * (services/downloads.ts), so replicas never overwrite each other's counts.
 *
 * package_keywords: the keywords of each package's newest published version, lower-cased, one row
 * each, so search's keyword filter is an index look-up rather than a scan of versions' JSON.
 */
export const downloads: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('version_downloads')
      .addColumn('version_id', 'text', (c) => c.notNull().references('versions.id'))
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('version_downloads_pk', ['version_id', 'day'])
      .execute();
    await db.schema
      .createTable('package_downloads')
      .addColumn('package_id', 'text', (c) => c.primaryKey().references('packages.id'))
      .addColumn('count', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('package_keywords')
      .addColumn('keyword', 'text', (c) => c.notNull())
      .addColumn('package_id', 'text', (c) => c.notNull().references('packages.id'))
      .addPrimaryKeyConstraint('package_keywords_pk', ['keyword', 'package_id'])
      .execute();
    await db.schema.createIndex('package_keywords_package').on('package_keywords').column('package_id').execute();
    // Packages published before this migration: the keywords of their newest version.
    const rows = await db.selectFrom('versions').select(['package_id', 'keywords', 'published_at']).orderBy('published_at', 'desc').execute();
    const seen = new Set<string>();
    for (const row of rows as Array<{ package_id: string; keywords: string }>) {
      if (seen.has(row.package_id)) continue;
      seen.add(row.package_id);
      const keywords = keywordsOf(row.keywords);
      if (keywords.length > 0) await db.insertInto('package_keywords').values(keywords.map((keyword) => ({ keyword, package_id: row.package_id }))).execute();
    }
  },
};

/** A version's keywords column (a JSON array) as the distinct lower-cased keywords stored for it. */
export function keywordsOf(json: string): string[] {
  const list = JSON.parse(json) as unknown;
  if (!Array.isArray(list)) return [];
  return [...new Set(list.filter((k): k is string => typeof k === 'string').map((k) => k.trim().toLowerCase()).filter((k) => k.length > 0))];
}
