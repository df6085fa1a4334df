import type { Limits } from '@flock/core';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import { createAccessService } from './access.js';
import { createAccountsService } from './accounts.js';
import { createAuditService } from './audit.js';
import type { Clock } from './clock.js';
import { createOrgsService } from './orgs.js';
import { createPackagesService } from './packages.js';
import { createPublishService } from './publish.js';
import { createSessionsService } from './sessions.js';
import { createSignInService } from './sign-in.js';
import { createTokenAdminService } from './token-admin.js';
import { createTokensService, type TokensDeps } from './tokens.js';

export interface ServiceDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  limits: Limits;
  /** See TokensDeps: where a cache of principals learns that a token was revoked or rotated. */
  onTokenChanged?: TokensDeps['onTokenChanged'];
}

/** Wires the services together; each gets only what it uses. */
export function createServices({ db, blobs, clock, limits, onTokenChanged }: ServiceDeps) {
  const accounts = createAccountsService({ db, clock });
  const tokens = createTokensService({ db, clock, onTokenChanged });
  const access = createAccessService({ accounts });
  const audit = createAuditService({ db, clock });
  const packages = createPackagesService({ db, blobs, access });
  const publish = createPublishService({ db, blobs, clock, limits, accounts, access, audit });
  const sessions = createSessionsService({ db, clock });
  const signIn = createSignInService({ db, accounts, audit });
  const tokenAdmin = createTokenAdminService({ tokens, accounts, access, audit, clock });
  const orgs = createOrgsService({ db, accounts, access, audit });
  return { accounts, tokens, access, packages, publish, blobs, audit, sessions, signIn, tokenAdmin, orgs };
}

export type Services = ReturnType<typeof createServices>;
