/** Request and response shapes shared by the registry and the CLI. */
import type { DocModel } from './docs/model.js';

export interface ErrorBody {
  error: string;
}

export interface PublishResponse {
  ok: true;
  checksum: string;
}

export interface DependencyDto {
  /** "org/name" */
  package: string;
  range: string;
}

/**
 * Where a version came from, as the CLI reported it at publish time: enough
 * for anyone to clone `repository` at `commit`, run `buildCommand` in `path`
 * and re-pack (`flock verify org/name@version`).
 */
export interface ProvenanceDto {
  /** The git remote's URL with any credentials removed; null when published from outside git. */
  repository: string | null;
  /** The full commit hash the archive was packed from; null when published from outside git. */
  commit: string | null;
  /** True when published with --allow-dirty (the checks were skipped). */
  dirty: boolean;
  /** The package's folder inside the repository, '/'-separated; '' for the root. */
  path: string;
  buildCommand: string | null;
}

/** Request headers that carry provenance with a publish (the archive stays a pure function of the commit). */
export const PROVENANCE_HEADERS = {
  repository: 'flock-source-repository',
  commit: 'flock-source-commit',
  path: 'flock-source-path',
  dirty: 'flock-dirty',
  buildCommand: 'flock-build-command',
  // The client's own answer, from its clean clone, to "does this commit descend from the previous
  // version's?": which commit it took as the previous version's, and true or false.
  previous: 'flock-source-previous',
  descends: 'flock-source-descends',
} as const;

export interface VersionDto {
  org: string;
  name: string;
  version: string;
  checksum: string;
  size: number;
  description: string | null;
  license: string | null;
  keywords: string[];
  repository: string | null;
  dependencies: DependencyDto[];
  yanked: boolean;
  /** Why the version was yanked, when the yanker said; null otherwise (and when not yanked). */
  yankReason: string | null;
  publisher: string;
  publishedAt: string;
  hasDocs: boolean;
  /** null for versions published without provenance (e.g. straight through the API). */
  provenance: ProvenanceDto | null;
  /** The trusted publisher that published it and the ID token claims the registry verified; null for a token or session publish. */
  trustedPublisher: TrustedPublishDto | null;
  /** What was unusual about this publish (see publish-flags.ts); empty when nothing. */
  flags: string[];
  /** The registry's own rebuild of this version from its recorded commit; null until a rebuild worker has taken it. */
  rebuild: RebuildDto | null;
  /** The index of its publish record in the transparency log (/log); null for versions published before the log. */
  logIndex: number | null;
}

/** What the registry's rebuild worker found (docs/rebuilds.md). 'running': a worker has it now. */
export const REBUILD_STATUSES = ['running', 'reproduced', 'compression-differs', 'differs', 'not-verifiable', 'failed'] as const;
export type RebuildStatus = (typeof REBUILD_STATUSES)[number];

export interface RebuildDto {
  status: RebuildStatus;
  /**
   * 'differs': `paths`, the files that differ (at most 100; `more` counts the rest);
   * 'not-verifiable' and 'failed': `reason`, one line. `isolation: "none"` when the
   * build ran with network (no `unshare -n` on the worker's machine).
   */
  detail: RebuildDetail | null;
  /** When the outcome was recorded (the claim time while running). */
  at: string | null;
}

export interface RebuildDetail {
  paths?: string[];
  more?: number;
  reason?: string;
  isolation?: 'none';
}

export interface TrustedPublishDto {
  id: string;
  issuer: string;
  claims: Record<string, string>;
}

export interface PackageDto {
  org: string;
  name: string;
  visibility: 'public' | 'private';
  description: string | null;
  latest: string | null;
  versions: Array<{ version: string; yanked: boolean; publishedAt: string }>;
  /** The deprecation message, or null when the package is not deprecated. */
  deprecated: string | null;
  createdAt: string;
  updatedAt: string;
  /** Downloads of every version so far (as last written by the registry, within seconds); in API answers. */
  downloads?: number;
}

/** GET /api/v1/packages/:org/:name/downloads */
export interface DownloadsDto {
  total: number;
  /** Version → downloads; versions never downloaded are absent. */
  versions: Record<string, number>;
  /** The last 90 UTC days, oldest first, today last, days without downloads as 0. */
  daily: Array<{ day: string; count: number }>;
}

export interface MeDto {
  username: string;
  orgs: Array<{ name: string; role: 'owner' | 'member' }>;
  token: { name: string; scopes: string[] } | null;
}

export type DocsDto = DocModel;

/** Default limits; the registry may be configured with others. */
export const DEFAULT_LIMITS = {
  maxArchiveBytes: 10 * 1024 * 1024,
  maxUnpackedBytes: 50 * 1024 * 1024,
  maxFiles: 5000,
  maxDocsBytes: 5 * 1024 * 1024,
} as const;

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

export interface TokenDto {
  id: string;
  name: string;
  scopes: string[];
  /** The orgs the token is restricted to, or null for all of its user's orgs. */
  orgs: string[] | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  expired: boolean;
}

/** The answer to creating or rotating a token: the only time the secret is sent. */
export interface NewTokenDto {
  token: string;
  info: TokenDto;
}

/**
 * The registry's refusals of account and org administration to a token: the
 * CLI prints these alone, since they say what to do instead.
 */
export const MANAGE_REFUSAL = 'This token cannot manage the account or its organizations: use a token with the manage scope (create one on the account page), or sign in on the web';
export const RESTRICTED_ACCOUNT_REFUSAL = "This token is restricted to some organizations, so it cannot manage the account's tokens or create organizations: use an unrestricted token with the manage scope, or sign in on the web";

export interface MemberDto {
  username: string;
  role: 'owner' | 'member';
  since: string;
}

export interface SearchHitDto {
  org: string;
  name: string;
  /** Newest version not yanked (or the newest of all when every one is). */
  version: string | null;
  description: string | null;
  visibility: 'public' | 'private';
  /** Downloads of every version so far. */
  downloads: number;
  /** When the package last changed (a publish, mostly). */
  updatedAt: string;
}

/** How search orders its hits: relevance (the default), downloads (most first), recent (last updated first). */
export const SEARCH_SORTS = ['relevance', 'downloads', 'recent'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface SearchResultDto {
  query: string;
  sort: SearchSort;
  /** Only packages with this keyword (lower-cased), or null. */
  keyword: string | null;
  page: number;
  perPage: number;
  /** Matches the asker may read; private packages of other orgs are never counted. */
  total: number;
  /** Present when more match than the registry counted (SQLite bounds a search's work): `total` is then "at least". */
  capped?: true;
  hits: SearchHitDto[];
}

/** One line of the sparse index `GET /index/:org/:name` (newline-delimited JSON, oldest version first). */
export interface IndexLineDto {
  version: string;
  /** "org/name" → semver range. */
  dependencies: Record<string, string>;
  /** "sha256:<hex>" of the archive. */
  checksum: string;
  yanked: boolean;
  /** When the version was published (ISO 8601 UTC, the registry's clock); absent from older registries. */
  published?: string;
  /** Why the version was yanked: only on yanked lines whose yanker gave a reason. */
  yankReason?: string;
  /** The package's deprecation message: on every line while the package is deprecated. */
  deprecated?: string;
  /** What the registry's rebuild of this version found (RebuildStatus), once a worker has finished with it. */
  rebuild?: string;
}

/** An org's Catalog Store as anyone may see it: never the secret, nor the access key id. */
export interface OrgStoreDto {
  configured: boolean;
  endpoint?: string;
  bucket?: string;
  region?: string;
  prefix?: string;
  checkedAt?: string;
}
