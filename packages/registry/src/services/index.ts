import type { Limits } from '@flock/core';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import { createAccessService } from './access.js';
import { createAccountsService } from './accounts.js';
import { createAuditService } from './audit.js';
import type { Clock } from './clock.js';
import { createOrgStoresService } from './org-stores.js';
import { createOrgsService } from './orgs.js';
import { createPackagesService } from './packages.js';
import { createPublishService } from './publish.js';
import { createRateLimitsService } from './rate-limits.js';
import { createSessionsService } from './sessions.js';
import { createSignInService } from './sign-in.js';
import { createTokenAdminService } from './token-admin.js';
import { createTokensService, type TokensDeps } from './tokens.js';

export interface ServiceDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  limits: Limits;
  /** Seals secrets at rest (an org's store credentials). */
  secretKey: Buffer;
  /** Downloads from the registry's own S3 store redirect to presigned URLs. */
  redirectDownloads: boolean;
  publishesPerHour: number;
  /** Told when a blob store write fails (for metrics); services know nothing of how it is counted. */
  onStoreError?: (store: 'registry' | 'org') => void;
  /** See TokensDeps: where a cache of principals learns that a token was revoked or rotated. */
  onTokenChanged?: TokensDeps['onTokenChanged'];
}

/** Wires the services together; each gets only what it uses. */
export function createServices(deps: ServiceDeps) {
  const { db, blobs, clock, limits, secretKey, redirectDownloads, publishesPerHour, onStoreError, onTokenChanged } = deps;
  const accounts = createAccountsService({ db, clock });
  const tokens = createTokensService({ db, clock, onTokenChanged });
  const access = createAccessService({ accounts });
  const audit = createAuditService({ db, clock });
  const orgStores = createOrgStoresService({ db, clock, secretKey, registryStore: blobs, accounts });
  const packages = createPackagesService({ db, access, orgStores, redirectDownloads });
  const rateLimits = createRateLimitsService({ db, clock });
  const publishRate = { limit: publishesPerHour, windowSeconds: 3600 };
  const publish = createPublishService({ db, clock, limits, accounts, access, orgStores, rateLimits, publishRate, onStoreError, audit });
  const sessions = createSessionsService({ db, clock });
  const signIn = createSignInService({ db, accounts, audit, rateLimits });
  const tokenAdmin = createTokenAdminService({ tokens, accounts, access, audit, clock });
  const orgs = createOrgsService({ db, accounts, access, audit });
  return { accounts, tokens, access, orgStores, packages, publish, rateLimits, blobs, audit, sessions, signIn, tokenAdmin, orgs };
}

export type Services = ReturnType<typeof createServices>;
