import type { Limits } from '@flock/core';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import { createAccessService } from './access.js';
import { createAccountsService } from './accounts.js';
import { createAuthCache } from './auth-cache.js';
import type { Clock } from './clock.js';
import { createPackageAdminService } from './package-admin.js';
import type { PackageEvents } from './package-events.js';
import { createPackagesService } from './packages.js';
import { createPublishService } from './publish.js';
import { createSqliteSearchIndex } from './search/search-sqlite.js';
import { createSearchService } from './search/search-service.js';
import { createSparseIndexService } from './sparse-index.js';
import { createTokensService } from './tokens.js';

export interface ServiceDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  limits: Limits;
}

/** Wires the services together; each gets only what it uses. */
export function createServices({ db, blobs, clock, limits }: ServiceDeps) {
  const accounts = createAccountsService({ db, clock });
  const tokens = createTokensService({ db, clock });
  const auth = createAuthCache({ tokens, accounts, clock });
  const access = createAccessService({ accounts, readRoleOf: auth.roleOf, peekReadRole: auth.peekRole });
  const packages = createPackagesService({ db, blobs, access });
  const sparseIndex = createSparseIndexService({ db });
  // SQLite's FTS5 today; a PostgreSQL deployment plugs its own SearchIndex in here.
  const searchIndex = createSqliteSearchIndex(db);
  const events: PackageEvents = {
    async changed({ org, name, packageId }) {
      sparseIndex.invalidate(org, name);
      await searchIndex.update(packageId);
    },
  };
  const publish = createPublishService({ db, blobs, clock, limits, accounts, access, events });
  const admin = createPackageAdminService({ db, clock, accounts, access, events });
  const search = createSearchService({ db, index: searchIndex, access, packages });
  return { accounts, tokens, auth, access, packages, publish, admin, sparseIndex, search, blobs };
}

export type Services = ReturnType<typeof createServices>;
