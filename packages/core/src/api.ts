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
  publisher: string;
  publishedAt: string;
  hasDocs: boolean;
}

export interface PackageDto {
  org: string;
  name: string;
  visibility: 'public' | 'private';
  description: string | null;
  latest: string | null;
  versions: Array<{ version: string; yanked: boolean; publishedAt: string }>;
  createdAt: string;
  updatedAt: string;
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

export interface SearchHitDto {
  org: string;
  name: string;
  /** Newest version not yanked (or the newest of all when every one is). */
  version: string | null;
  description: string | null;
  visibility: 'public' | 'private';
}

export interface SearchResultDto {
  query: string;
  page: number;
  perPage: number;
  /** Matches the asker may read; private packages of other orgs are never counted. */
  total: number;
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
}
