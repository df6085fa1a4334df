import type { Limits } from '@flock/core';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import { createAccessService } from './access.js';
import { createAccountsService } from './accounts.js';
import type { Clock } from './clock.js';
import { createPackagesService } from './packages.js';
import { createPublishService } from './publish.js';
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
  const access = createAccessService({ accounts });
  const packages = createPackagesService({ db, blobs, access });
  const publish = createPublishService({ db, blobs, clock, limits, accounts, access });
  return { accounts, tokens, access, packages, publish, blobs };
}

export type Services = ReturnType<typeof createServices>;
