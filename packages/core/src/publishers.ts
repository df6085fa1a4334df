import type { TrustedPublisherDto } from './trusted-publishers.js';

/**
 * Everything that could publish a package now (GET /api/v1/packages/:org/:name/publishers,
 * `flock owners`): org owners read it to see exactly which credentials to worry about.
 */
export interface PublishersDto {
  package: string;
  settings: {
    /** The package's own setting. */
    trustedPublishingOnly: boolean;
    orgTrustedPublishingOnly: boolean;
    holdUnusual: boolean;
  };
  /** False when either trusted-publishing-only setting refuses publishes with a token or a session. */
  tokenPublishes: boolean;
  /** Every member: any may publish with a browser session or mint a token. */
  people: Array<{ username: string; role: 'owner' | 'member' }>;
  /** Long-lived tokens that cover the package; empty when tokenPublishes is false. */
  tokens: Array<{ id: string; name: string; owner: string; scopes: string[]; lastUsedAt: string | null; expiresAt: string | null }>;
  /** Live trusted publishers of the package and of the whole org. */
  trustedPublishers: TrustedPublisherDto[];
  /** Short-lived tokens from trusted publishers, unexpired and unused (there is no secret to show: only hashes are stored). */
  shortLivedTokens: Array<{ id: string; publisherId: string; publisher: string; createdAt: string; expiresAt: string }>;
}
