import { sql, type Kysely, type Migration } from 'kysely';

/**
 * packages.name_key: the package name folded as core's nameKey folds it
 * (lowercase, '-' and '_' removed), unique per org, so two look-alike names can
 * never both be claimed, not even by two first publishes at the same moment.
 */
export const packageNameKeys: Migration = {
  async up(db: Kysely<any>) {
    // A default, because SQLite cannot add a NOT NULL column without one; every row is filled in below.
    await db.schema.alterTable('packages').addColumn('name_key', 'text', (c) => c.notNull().defaultTo('')).execute();
    // The fold in SQL (the same in SQLite and PostgreSQL), frozen here as it was when this ran.
    await sql`update packages set name_key = lower(replace(replace(name, '-', ''), '_', ''))`.execute(db);
    // Look-alikes published before this check existed stay (versions are immutable), but only the
    // oldest of each group holds the plain key; the others get "<key>:<id>", which no name folds to.
    await sql`
      update packages set name_key = name_key || ':' || id
      where exists (
        select 1 from packages older
        where older.org_id = packages.org_id and older.name_key = packages.name_key
          and (older.created_at < packages.created_at or (older.created_at = packages.created_at and older.id < packages.id))
      )`.execute(db);
    await db.schema.createIndex('packages_org_name_key').unique().on('packages').columns(['org_id', 'name_key']).execute();
  },
};
