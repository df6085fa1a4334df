import type { Limits } from '@flock/core';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import { isSqlite } from '../db/dialect.js';
import type { SqliteReader } from '../db/sqlite-reader.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { createAccessService } from './access.js';
import { createAccountsService } from './accounts.js';
import { createAuditService } from './audit.js';
import { createAuthCache } from './auth-cache.js';
import type { Clock } from './clock.js';
import { createDeviceCodesService } from './device-codes.js';
import { createDownloadsService } from './downloads.js';
import { createHeldVersionsService } from './held-versions.js';
import { createHtmlCache } from './html-cache.js';
import { createOrgStoresService } from './org-stores.js';
import { createOrgsService } from './orgs.js';
import { createPackageAdminService } from './package-admin.js';
import type { PackageEvents } from './package-events.js';
import { createPackagesService } from './packages.js';
import { createPublishService } from './publish.js';
import { createPublishSettingsService } from './publish-settings.js';
import { createPublishersListService } from './publishers-list.js';
import { createQuotasService } from './quotas.js';
import { createRateLimitsService } from './rate-limits.js';
import { createRegistrySettingsService } from './registry-settings.js';
import { createAuditPagesService } from './audit-pages.js';
import { createRebuildsService } from './rebuilds.js';
import { createPostgresSearchIndex } from './search/search-postgres.js';
import { createSearchService } from './search/search-service.js';
import { createSqliteSearchIndex } from './search/search-sqlite.js';
import { SEARCH_CAPS } from './search/index.js';
import { refreshKeywords } from './search/keywords.js';
import { createSessionsService } from './sessions.js';
import { createSignInService } from './sign-in.js';
import { createSparseIndexService } from './sparse-index.js';
import { createStorageCheckService } from './storage-check.js';
import { createTokenAdminService } from './token-admin.js';
import { createTokensService, type TokensDeps } from './tokens.js';
import { createTrustedPublishersService } from './trusted-publishers.js';
import { createTransparencyLogService } from './transparency-log.js';
import { createLogWitnessService } from './log-witnesses.js';
import { createOidcExchangeService } from './oidc/exchange.js';
import { createOidcVerifier } from './oidc/verifier.js';
import { createMirrorService } from './mirror.js';
import { createUpstreamLogCheck } from './mirror-log.js';
import { createUpstreamClient } from './mirror-upstream.js';
import type { UpstreamConfig } from '../config.js';
import { createWebhooksService } from './webhooks.js';

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
  /** Seconds between a `flock login --web` CLI's polls. */
  devicePollInterval?: number;
  /** Told when a blob store write fails (for metrics); services know nothing of how it is counted. */
  onStoreError?: (store: 'registry' | 'org') => void;
  /** See TokensDeps: where a cache of principals learns that a token was revoked or rotated. */
  onTokenChanged?: TokensDeps['onTokenChanged'];
  /** Carries cache invalidations to every replica (this one included). */
  feed: ChangeFeed;
  /** SQLite on a file: where search runs, off the server's thread (see db/sqlite-reader.ts). */
  sqliteReader?: SqliteReader | null;
  /** Milliseconds between writes of this process's download tally (FLOCK_DOWNLOAD_FLUSH_MS). */
  downloadFlushMs?: number;
  /** FLOCK_LOG_WITNESSES: the witness keys whose cosignatures of the log are kept. */
  logWitnessKeys?: readonly string[];
  /** Told when writing the download tally fails (it is kept for the next try). */
  onDownloadFlushError?: (error: unknown) => void;
  /** FLOCK_UPSTREAM: the Flock registry this one mirrors (services/mirror.ts); null or absent: none. */
  upstream?: UpstreamConfig | null;
  /** FLOCK_READ_ONLY: this process refuses writes whatever the database's toggle says. */
  readOnly?: { message: string } | undefined;
}

/** Wires the services together; each gets only what it uses. */
export function createServices(deps: ServiceDeps) {
  const { db, blobs, clock, limits, secretKey, redirectDownloads, publishesPerHour, onStoreError, onTokenChanged, feed } = deps;
  // A mirror is wired first: new orgs ask it whether the upstream has their name.
  const upstream = deps.upstream ? createUpstreamClient(deps.upstream) : null;
  const mirror = upstream === null ? null : createMirrorService({
    db, blobs, clock, secretKey, upstream, log: createUpstreamLogCheck({ db, upstream }), maxArchiveBytes: limits.maxArchiveBytes, maxAgeMs: deps.upstream!.maxAgeMs,
    canRead: (principal, isPrivate) => access.canReadMirrored(principal, isPrivate),
  });
  const accounts = createAccountsService({ db, clock, ...(mirror ? { checkNewOrgName: mirror.refuseShadowing } : {}) });
  // Revocations and membership changes go through the feed, so every replica's cache hears of them.
  const tokens = createTokensService({
    db, clock,
    onTokenChanged: async (change) => {
      auth.invalidateToken(change.tokenHash);
      onTokenChanged?.(change);
      await feed.notify({ kind: 'token', tokenHash: change.tokenHash });
    },
  });
  const auth = createAuthCache({ tokens, accounts, clock });
  const access = createAccessService({ accounts, readRoleOf: auth.roleOf, peekReadRole: auth.peekRole });
  // Every audited change that is an org event writes the event and its webhooks' outbox rows in its own transaction.
  const webhooks = createWebhooksService({ db, clock, secretKey, accounts, access });
  const audit = createAuditService({ db, clock, onRecorded: webhooks.recordEvent });
  const orgStores = createOrgStoresService({ db, clock, secretKey, registryStore: blobs, accounts, access, audit });
  const sparseIndex = createSparseIndexService({ db });
  const settings = createRegistrySettingsService({ db, clock, environmentReadOnly: deps.readOnly });
  const downloads = createDownloadsService({
    db, clock, flushMs: deps.downloadFlushMs ?? 5000,
    // While read-only, downloads are counted in memory and written once writes are back.
    paused: async () => (await settings.readOnly()) !== null,
    ...(deps.onDownloadFlushError ? { onFlushError: deps.onDownloadFlushError } : {}),
  });
  // Bumped by every package change on any replica: a page that shows other packages' state (its
  // dependents) stamps its cache with this too, since a dependent's publish leaves its own entry alone.
  let packageGeneration = 0;
  const packages = createPackagesService({ db, access, orgStores, redirectDownloads, sparseIndex, downloads, mirror, packageGeneration: () => packageGeneration });
  // Package pages: each version's README and API reference, and whole anonymous pages until their package changes.
  const renderedPages = createHtmlCache();
  const searchIndex = isSqlite(db) ? createSqliteSearchIndex(db, SEARCH_CAPS, deps.sqliteReader ?? null) : createPostgresSearchIndex(db);
  const events: PackageEvents = {
    async changed({ org, name, packageId }) {
      // Here at once; on other replicas when the feed delivers (this one hears its own event again, harmlessly).
      sparseIndex.invalidate(org, name);
      packageGeneration++;
      await searchIndex.update(packageId);
      await refreshKeywords(db, packageId);
      await feed.notify({ kind: 'package', org, name });
    },
  };
  feed.subscribe((event) => {
    if (event.kind === 'package') {
      packageGeneration++;
      if (event.org === '*') sparseIndex.clear();
      else sparseIndex.invalidate(event.org, event.name);
    } else if (event.kind === 'token') auth.invalidateToken(event.tokenHash);
    else auth.clear();
  });
  const rateLimits = createRateLimitsService({ db, clock });
  const publishRate = { limit: publishesPerHour, windowSeconds: 3600 };
  const publish = createPublishService({ db, clock, limits, accounts, access, orgStores, rateLimits, publishRate, onStoreError, audit, events });
  const admin = createPackageAdminService({ db, clock, accounts, access, audit, events });
  const search = createSearchService({ db, index: searchIndex, access, packages, downloads });
  const sessions = createSessionsService({ db, clock });
  const signIn = createSignInService({ db, accounts, audit, rateLimits });
  const tokenAdmin = createTokenAdminService({ tokens, accounts, access, audit, clock });
  const deviceCodes = createDeviceCodesService({ db, clock, tokens, access, audit, rateLimits, intervalSeconds: deps.devicePollInterval ?? 5 });
  const trustedPublishers = createTrustedPublishersService({ db, clock, accounts, access, audit });
  const oidcVerifier = createOidcVerifier({ clock, issuerKnown: trustedPublishers.issuerKnown });
  const oidc = createOidcExchangeService({ db, clock, verifier: oidcVerifier, accounts, trustedPublishers, rateLimits });
  const publishSettings = createPublishSettingsService({ db, accounts, access, audit });
  const publishersList = createPublishersListService({ db, clock, access, trustedPublishers });
  const held = createHeldVersionsService({ db, clock, access, audit, events });
  const rebuilds = createRebuildsService({ db, clock, events });
  const log = createTransparencyLogService({ db, secretKey });
  const logWitnesses = createLogWitnessService({ db, clock, log, witnessKeys: deps.logWitnessKeys ?? [] });
  const storageCheck = createStorageCheckService({ db, registryStore: blobs, orgStores });
  const quotas = createQuotasService({ db, clock, accounts });
  const auditPages = createAuditPagesService({ db, accounts, access });
  const orgs = createOrgsService({
    db, accounts, access, audit,
    onMembershipChanged: async () => {
      auth.clear();
      await feed.notify({ kind: 'memberships' });
    },
  });
  return {
    accounts, tokens, auth, access, orgStores, packages, downloads, renderedPages, sparseIndex, search, publish, admin, rateLimits, blobs,
    audit, sessions, signIn, tokenAdmin, orgs, deviceCodes, trustedPublishers, publishSettings, publishersList, oidc, oidcVerifier, held, rebuilds, log, logWitnesses, storageCheck, webhooks,
    clock, events, packageGeneration: () => packageGeneration, mirror,
    settings, quotas, auditPages,
  };
}

export type Services = ReturnType<typeof createServices>;
