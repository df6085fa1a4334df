import { randomBytes, randomUUID } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { FlockError, sha256Hex, type OrgName, type PackageName } from '@flock/core';
import { hashToken } from '../../auth/tokens.js';
import { isUniqueViolation, type Db } from '../../db/connect.js';
import type { TrustedPublisherRow } from '../../db/schema.js';
import type { AccountsService } from '../accounts.js';
import { isoNow, type Clock } from '../clock.js';
import type { RateLimitsService } from '../rate-limits.js';
import type { TrustedPublishersService } from '../trusted-publishers.js';
import type { OidcVerifier } from './verifier.js';

export const PUBLISH_TOKEN_MINUTES = 15;
const EXCHANGES_PER_IP = { limit: 60, windowSeconds: 600 };
const PUBLISH_TOKEN = /^flock_oidc_[A-Za-z0-9_-]{43}$/;
// Recorded with the version when present: what CI run it was (GitHub Actions and GitLab names).
const RECORDED_CLAIMS = ['sub', 'repository', 'ref', 'sha', 'workflow', 'job_workflow_ref', 'run_id', 'environment', 'project_path', 'pipeline_id'];
const MAX_CLAIM_CHARS = 500;

/** A short-lived publish token from the exchange, as a publish sees it. Not a Principal: it can do nothing else. */
export interface TrustedGrant {
  tokenId: string;
  orgId: string;
  packageName: string;
  /** JSON of the verified claims, for the version row. */
  claims: string;
  expiresAt: string;
  usedVersion: string | null;
  publisher: TrustedPublisherRow;
}

export interface ExchangeAnswer {
  token: string;
  expiresAt: string;
  publisher: { id: string; issuer: string };
  /**
   * The package's versions and their commits: the short-lived token reads nothing, yet the
   * client needs the previous version's commit for its lineage check (unusual publishes).
   */
  versions: Array<{ version: string; commit: string | null }>;
}

/** A claim compared with a rule: strings exactly, a number or boolean by its JSON text, anything else never. */
function claimText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  return null;
}

function matches(row: TrustedPublisherRow, claims: JWTPayload): boolean {
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.includes(row.audience)) return false;
  return Object.entries(JSON.parse(row.claims) as Record<string, string>).every(([name, expected]) => claimText(claims[name]) === expected);
}

/** What the version records: the issuer, the audience that matched, the rule claims and the CI run's, strings only, bounded. */
function recordedClaims(row: TrustedPublisherRow, claims: JWTPayload): Record<string, string> {
  const out: Record<string, string> = { iss: row.issuer, aud: row.audience };
  for (const name of [...Object.keys(JSON.parse(row.claims) as object), ...RECORDED_CLAIMS]) {
    const value = claimText(claims[name]);
    if (value !== null && value.length <= MAX_CLAIM_CHARS) out[name] = value;
  }
  return out;
}

export interface OidcExchangeDeps {
  db: Db;
  clock: Clock;
  verifier: OidcVerifier;
  accounts: AccountsService;
  trustedPublishers: TrustedPublishersService;
  rateLimits: RateLimitsService;
}

/** POST /api/v1/oidc/exchange: an ID token of a CI run becomes a publish token for one package, for 15 minutes. */
export function createOidcExchangeService({ db, clock, verifier, accounts, trustedPublishers, rateLimits }: OidcExchangeDeps) {
  async function exchange(input: { token: string; org: OrgName; name: PackageName; ip: string }): Promise<ExchangeAnswer> {
    await rateLimits.hit(`oidc-exchange:ip:${input.ip}`, EXCHANGES_PER_IP, 'token exchanges');
    const claims = await verifier.verify(input.token);
    const noMatch = new FlockError('forbidden', `No trusted publisher of ${input.org}/${input.name} matches this ID token`);
    const org = await accounts.findOrg(input.org);
    if (!org) throw noMatch;
    // The package's own publishers first: the version then names the narrowest one that matched.
    const candidates = await trustedPublishers.candidates(org.id, input.name, claims.iss!);
    const match = [...candidates].sort((a, b) => Number(a.package_name === null) - Number(b.package_name === null)).find((row) => matches(row, claims));
    if (!match) throw noMatch;
    if (typeof claims.jti !== 'string' || typeof claims.exp !== 'number') throw new FlockError('invalid_token', 'The ID token has no string jti');

    const now = clock();
    const secret = `flock_oidc_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + PUBLISH_TOKEN_MINUTES * 60_000).toISOString();
    try {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('oidc_jtis').where('expires_at', '<', now.toISOString()).execute();
        // The primary key refuses a second exchange of one ID token (until it expires, when it is refused anyway).
        await trx.insertInto('oidc_jtis').values({ key: sha256Hex(Buffer.from(`${match.issuer}\n${claims.jti}`)), expires_at: new Date(claims.exp! * 1000).toISOString() }).execute();
        await trx.insertInto('oidc_tokens').values({
          id: randomUUID(), token_hash: hashToken(secret), publisher_id: match.id, org_id: org.id, package_name: input.name,
          claims: JSON.stringify(recordedClaims(match, claims)), created_at: now.toISOString(), expires_at: expiresAt, used_version: null,
        }).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new FlockError('invalid_token', 'This ID token was already used');
      throw error;
    }
    const versions = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .select(['versions.version', 'versions.source_commit'])
      .where('packages.org_id', '=', org.id)
      .where('packages.name', '=', input.name)
      .execute();
    return {
      token: secret, expiresAt, publisher: { id: match.id, issuer: match.issuer },
      versions: versions.map((v) => ({ version: v.version, commit: v.source_commit })),
    };
  }

  /** The grant behind a `flock_oidc_` token, still valid (unexpired, publisher not removed); otherwise 401. */
  async function grant(secret: string): Promise<TrustedGrant> {
    const dead = new FlockError('invalid_token', 'This publish token was already used or has expired');
    if (!PUBLISH_TOKEN.test(secret)) throw new FlockError('invalid_token', 'Invalid token');
    const row = await db.selectFrom('oidc_tokens').selectAll().where('token_hash', '=', hashToken(secret)).executeTakeFirst();
    if (!row) throw new FlockError('invalid_token', 'Invalid token');
    const publisher = await db.selectFrom('trusted_publishers').selectAll().where('id', '=', row.publisher_id).executeTakeFirstOrThrow();
    if (row.expires_at <= isoNow(clock) || publisher.removed_at !== null) throw dead;
    return { tokenId: row.id, orgId: row.org_id, packageName: row.package_name, claims: row.claims, expiresAt: row.expires_at, usedVersion: row.used_version, publisher };
  }

  return { exchange, grant };
}

export const isPublishToken = (bearer: string): boolean => bearer.startsWith('flock_oidc_');

export type OidcExchangeService = ReturnType<typeof createOidcExchangeService>;
