import type { Generated, Insertable, Selectable } from 'kysely';
import type { RebuildStatus } from '@flock/core';
import type { OrgEventsHeadTable, OrgEventsTable, WebhookAttemptsTable, WebhookDeliveriesTable, WebhooksTable } from './webhooks-schema.js';

/**
 * Table shapes. Portable across SQLite and PostgreSQL: text ids (UUIDs),
 * ISO-8601 text timestamps, integers for booleans, JSON kept as text.
 */
export interface Database {
  users: UsersTable;
  orgs: OrgsTable;
  memberships: MembershipsTable;
  tokens: TokensTable;
  packages: PackagesTable;
  versions: VersionsTable;
  sessions: SessionsTable;
  oauth_states: OAuthStatesTable;
  audit_events: AuditEventsTable;
  org_stores: OrgStoresTable;
  rate_limits: RateLimitsTable;
  device_codes: DeviceCodesTable;
  version_downloads: VersionDownloadsTable;
  package_downloads: PackageDownloadsTable;
  package_keywords: PackageKeywordsTable;
  trusted_publishers: TrustedPublishersTable;
  oidc_tokens: OidcTokensTable;
  oidc_jtis: OidcJtisTable;
  held_versions: HeldVersionsTable;
  log_records: LogRecordsTable;
  log_hashes: LogHashesTable;
  log_head: LogHeadTable;
  registry_settings: RegistrySettingsTable;
  // Migration 0017: webhooks and the org events feed (db/webhooks-schema.ts).
  org_events_head: OrgEventsHeadTable;
  org_events: OrgEventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  log_cosignatures: LogCosignaturesTable;
  mirror_index: MirrorIndexTable;
  mirror_archives: MirrorArchivesTable;
  mirror_tokens: MirrorTokensTable;
  mirror_state: MirrorStateTable;
}

/** FLOCK_UPSTREAM's cache (migration 0018); see services/mirror.ts. */
export interface MirrorIndexTable {
  org: string;
  name: string;
  /** The upstream's index lines, as it sent them. */
  body: string;
  etag: string | null;
  private: number;
  checked_at: string;
}

export interface MirrorArchivesTable {
  org: string;
  name: string;
  version: string;
  checksum: string;
  blob_key: string;
  log_index: number | null;
  local_log_index: number;
  fetched_at: string;
}

export interface MirrorTokensTable {
  org: string;
  sealed: string;
  created_at: string;
}

export interface MirrorStateTable {
  name: 'log_key' | 'log_checkpoint';
  value: string;
}

/** Registry-wide settings every replica reads (migration 0016): key → JSON value. */
export interface RegistrySettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** One record (leaf) of the transparency log (migration 0013); see services/transparency-log.ts. */
export interface LogRecordsTable {
  /** The leaf index, from 0. */
  idx: number;
  /** The leaf's exact bytes as UTF-8. */
  data: string;
  /** Private records: the salt (hex) of the hidden line, and the clear text it hides. */
  salt: string | null;
  clear: string | null;
  package_id: string;
  /** Null for visibility records. */
  version: string | null;
  event: 'publish' | 'docs' | 'yank' | 'unyank' | 'visibility';
  created_at: string;
}

/** The log's stored hashes, Go sumdb layout (migration 0013). */
export interface LogHashesTable {
  /** The stored hash index (core's storedHashIndex). */
  idx: number;
  /** 64 hex characters. */
  hash: string;
}

/** One row (id 1): the log's size. Appends lock it, so they are serial across replicas. */
/** A witness's cosignature of the checkpoint of one tree size (migration 0015). */
export interface LogCosignaturesTable {
  tree_size: number;
  /** "name+hash" of the witness key. */
  witness: string;
  signed_at: number;
  line: string;
}

export interface LogHeadTable {
  id: number;
  size: number;
}

/** An OIDC identity allowed to publish into an org, or into one package of it (migration 0012). */
export interface TrustedPublishersTable {
  id: string;
  org_id: string;
  /** Null: any package of the org. A name with no package yet is a pending publisher, which may create it. */
  package_name: string | null;
  /** Exactly the ID token's `iss`. */
  issuer: string;
  audience: string;
  /** JSON object claim name -> exact value, keys sorted. */
  claims: string;
  created_by: string;
  created_at: string;
  /** Set when removed; the row stays so versions it published still name it. */
  removed_at: string | null;
}

/** A short-lived publish token from POST /api/v1/oidc/exchange (migration 0012). */
export interface OidcTokensTable {
  id: string;
  /** SHA-256 hex of the secret. */
  token_hash: string;
  publisher_id: string;
  org_id: string;
  package_name: string;
  /** JSON object of the verified claims the version records. */
  claims: string;
  created_at: string;
  expires_at: string;
  /** The version it published; it may then upload only that version's docs. */
  used_version: string | null;
}

/** ID tokens already exchanged, until they expire (migration 0012). */
export interface OidcJtisTable {
  /** SHA-256 hex of "issuer\njti". */
  key: string;
  expires_at: string;
}

/** A publish held for an owner's approval (migration 0012); invisible until approved. */
export interface HeldVersionsTable {
  id: string;
  package_id: string;
  version: string;
  /** JSON of the versions row inserted on approval. */
  row: string;
  /** JSON array of the unusual-publish flags that held it. */
  flags: string;
  held_at: string;
  /** Set when an owner rejected it; the version number stays taken. */
  rejected_at: string | null;
  decided_by: string | null;
  /** Archive + docs bytes (migration 0016), for the org's storage quota; bigint, so PostgreSQL may answer a string. */
  bytes: Generated<number | string>;
}

/** Downloads of one version on one UTC day (migration 0011). */
export interface VersionDownloadsTable {
  version_id: string;
  /** "YYYY-MM-DD", UTC. */
  day: string;
  count: number;
}

/** A package's downloads, all versions and days (migration 0011); bigint, so PostgreSQL may answer a string. */
export interface PackageDownloadsTable {
  package_id: string;
  count: number | string;
}

/** The keywords of a package's newest version, lower-cased (migration 0011). */
export interface PackageKeywordsTable {
  keyword: string;
  package_id: string;
}

export interface DeviceCodesTable {
  /** SHA-256 hex of the device code the CLI polls with; never stored raw. */
  device_code_hash: string;
  /** SHA-256 hex of the normalised user code (8 letters, no dash). */
  user_code_hash: string;
  /** The machine's name, e.g. "flock on laptop"; the new token's name. */
  name: string;
  status: 'pending' | 'approved' | 'denied' | 'used';
  /** How often the CLI may poll; raised by 5 s each time it polls too fast (RFC 8628 slow_down). */
  interval_seconds: number;
  /** Who approved or denied it. */
  user_id: string | null;
  /** The scopes ticked at approval, comma-separated. */
  scopes: string | null;
  created_at: string;
  expires_at: string;
  last_polled_at: string | null;
}

export interface RateLimitsTable {
  /** What is limited and for whom, e.g. "publish:user:<id>". */
  bucket: string;
  /** Start of the fixed window, in seconds since the epoch. */
  window_start: number;
  hits: number;
}

export interface OrgStoresTable {
  org_id: string;
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
  access_key_id: string;
  /** The secret access key, sealed with the server's secret key. */
  secret_sealed: string;
  created_at: string;
  checked_at: string;
}

export interface UsersTable {
  id: string;
  username: string;
  /** nameKey(username): uniqueness is case-insensitive with '-'/'_' folded. */
  username_key: string;
  github_id: string | null;
  password_hash: string | null;
  created_at: string;
}

export interface OrgsTable {
  id: string;
  name: string;
  name_key: string;
  kind: 'personal' | 'shared';
  created_at: string;
  /** 1: only trusted publishers may publish into this org (migration 0012). */
  trusted_publishing_only: Generated<number>;
  /** 1: unusual publishes wait for an owner's approval (migration 0012). */
  hold_unusual: Generated<number>;
  /** Quotas (migration 0016); null is unlimited. Bytes of archives + docs (bigint: may come as a string). */
  max_bytes: number | string | null;
  /** Publishes in any 24 hours. */
  max_versions_per_day: number | null;
  max_packages: number | null;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: 'owner' | 'member';
  created_at: string;
}

export interface TokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 hex of the whole token; the token itself is never stored. */
  token_hash: string;
  /** Comma-separated scopes: publish, yank, read, manage. */
  scopes: string;
  /** JSON array of org ids the token is restricted to, or null for all of the user's orgs. */
  org_ids: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface PackagesTable {
  id: string;
  org_id: string;
  name: string;
  /**
   * nameKey(name), unique per org, so "foo-bar" and "foobar" cannot both be
   * claimed. Look-alikes published before migration 0007 keep "<key>:<id>".
   */
  name_key: string;
  visibility: 'public' | 'private';
  description: string | null;
  created_at: string;
  updated_at: string;
  /** The deprecation message (migration 0010); null when not deprecated. */
  deprecation: string | null;
  /** 1: only trusted publishers may publish this package (migration 0012). */
  trusted_publishing_only: Generated<number>;
}

export interface VersionsTable {
  id: string;
  package_id: string;
  version: string;
  /** "sha256:<hex>" of the archive bytes. */
  checksum: string;
  size: number;
  blob_key: string;
  /** The normalised flock.toml from the archive. */
  manifest: string;
  description: string | null;
  license: string | null;
  /** JSON array of strings. */
  keywords: string;
  repository: string | null;
  /** JSON object "org/name" → range. */
  dependencies: string;
  readme: string | null;
  publisher_id: string;
  token_id: string | null;
  published_at: string;
  /** Its publish record in the transparency log (migration 0013); null for versions published before the log. */
  log_index: Generated<number | null>;
  yanked: Generated<number>;
  /** Why it was yanked (migration 0010); null when not yanked or no reason was given. */
  yank_reason: string | null;
  docs_key: string | null;
  /** Where the archive and docs live: null for the registry's store, 'org' for the org's own. */
  store: string | null;
  /** Provenance (migration 0004); null when the publish reported none. */
  source_repository: string | null;
  source_commit: string | null;
  source_path: string | null;
  /** 1 when published with --allow-dirty, 0 when clean, null when unknown. */
  source_dirty: number | null;
  build_command: string | null;
  /** The trusted publisher that published it (migration 0012); null for a token or session publish. */
  trusted_publisher_id: string | null;
  /** JSON object of the verified ID token claims of a trusted publish. */
  oidc_claims: string | null;
  /** JSON array of unusual-publish flags (see services/publish-flags.ts); null when none. */
  flags: string | null;
  /** The client's answer: 1 the commit descends from the previous version's, 0 it does not, null unknown. */
  source_descends: number | null;
  /** The registry's rebuild (migration 0014): core's REBUILD_STATUSES; null until a worker takes it. */
  rebuild_status: RebuildStatus | null;
  /** JSON: {"paths": [...]} (at most 100) or {"reason": "..."}, plus {"isolation": "none"} when the build had network. */
  rebuild_detail: string | null;
  rebuild_at: string | null;
  /** When a worker claimed it ('running'); a claim older than 30 minutes is taken over. */
  rebuild_claimed_at: string | null;
  /** The stored docs' bytes (migration 0016); null without docs, or for docs stored before it. */
  docs_size: number | string | null;
}

export interface SessionsTable {
  /** SHA-256 hex of the session cookie's secret. */
  id_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface OAuthStatesTable {
  /** SHA-256 hex of the `state` sent to GitHub; the row is deleted when used. */
  state_hash: string;
  /** SHA-256 hex of the cookie that ties the sign-in to the browser that began it. */
  binding_hash: string;
  /** The PKCE verifier, needed in the clear for the code exchange; lives minutes. */
  code_verifier: string;
  next: string;
  created_at: string;
  expires_at: string;
}

export interface AuditEventsTable {
  id: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  token_id: string | null;
  token_name: string | null;
  /** e.g. sign_in, token.create, member.add, publish */
  action: string;
  org_id: string | null;
  /** What was acted on: a token name, a username, org/name@version. */
  subject: string | null;
}

export type DeviceCodeRow = Selectable<DeviceCodesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type OrgRow = Selectable<OrgsTable>;
export type TokenRow = Selectable<TokensTable>;
export type NewToken = Insertable<TokensTable>;
export type PackageRow = Selectable<PackagesTable>;
export type VersionRow = Selectable<VersionsTable>;
export type OrgStoreRow = Selectable<OrgStoresTable>;
export type TrustedPublisherRow = Selectable<TrustedPublishersTable>;
export type OidcTokenRow = Selectable<OidcTokensTable>;
export type HeldVersionRow = Selectable<HeldVersionsTable>;
export type LogRecordRow = Selectable<LogRecordsTable>;
export type NewVersion = Insertable<VersionsTable>;
