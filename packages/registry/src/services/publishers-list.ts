import { type OrgName, type PackageName, type PublishersDto } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { AccessService } from './access.js';
import { isoNow, type Clock } from './clock.js';
import { describe, type TrustedPublishersService } from './trusted-publishers.js';

export interface PublishersListDeps {
  db: Db;
  clock: Clock;
  access: AccessService;
  trustedPublishers: TrustedPublishersService;
}

/**
 * "Who can publish org/name": every credential that would be let through a
 * publish now, by the same rules the publish path applies (membership, the
 * publish scope, the token's org restriction, revocation and expiry on the
 * registry clock, the trusted-publishing-only settings). Owners only: it is a
 * map of what an attacker would want.
 */
export function createPublishersListService({ db, clock, access, trustedPublishers }: PublishersListDeps) {
  async function list(principal: Principal, orgName: OrgName, name: PackageName): Promise<PublishersDto> {
    const { org, pkg } = await access.requirePackageRole(principal, orgName, name, 'owner');
    const now = isoNow(clock);
    const tokenPublishes = pkg.trusted_publishing_only !== 1 && org.trusted_publishing_only !== 1;

    const people = await db
      .selectFrom('memberships').innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['users.id', 'users.username', 'memberships.role'])
      .where('memberships.org_id', '=', org.id).orderBy('users.username').execute();
    const usernames = new Map(people.map((p) => [p.id, p.username]));

    const tokenRows = !tokenPublishes || people.length === 0 ? [] : await db
      .selectFrom('tokens').selectAll()
      .where('user_id', 'in', people.map((p) => p.id))
      .where('revoked_at', 'is', null)
      // ISO timestamps from toISOString compare as strings; an expiry at `now` is already expired, as in tokens.ts.
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at').orderBy('id').execute();
    const tokens = tokenRows
      .filter((t) => t.scopes.split(',').includes('publish'))
      .filter((t) => t.org_ids === null || (JSON.parse(t.org_ids) as string[]).includes(org.id))
      .map((t) => ({ id: t.id, name: t.name, owner: usernames.get(t.user_id)!, scopes: t.scopes.split(','), lastUsedAt: t.last_used_at, expiresAt: t.expires_at }));

    const publisherRows = await trustedPublishers.liveRows(org.id, name);
    const shortLived = await db
      .selectFrom('oidc_tokens').innerJoin('trusted_publishers', 'trusted_publishers.id', 'oidc_tokens.publisher_id')
      .select(['oidc_tokens.id', 'oidc_tokens.publisher_id', 'oidc_tokens.created_at', 'oidc_tokens.expires_at', 'trusted_publishers.package_name', 'trusted_publishers.issuer', 'trusted_publishers.claims'])
      .where('oidc_tokens.org_id', '=', org.id).where('oidc_tokens.package_name', '=', name)
      .where('oidc_tokens.expires_at', '>', now).where('oidc_tokens.used_version', 'is', null)
      .orderBy('oidc_tokens.created_at').orderBy('oidc_tokens.id').execute();

    return {
      package: `${org.name}/${pkg.name}`,
      settings: { trustedPublishingOnly: pkg.trusted_publishing_only === 1, orgTrustedPublishingOnly: org.trusted_publishing_only === 1, holdUnusual: org.hold_unusual === 1 },
      tokenPublishes,
      people: people.map((p) => ({ username: p.username, role: p.role })),
      tokens,
      trustedPublishers: await trustedPublishers.toDto(org, publisherRows),
      shortLivedTokens: shortLived.map((t) => ({ id: t.id, publisherId: t.publisher_id, publisher: describe(org.name, t), createdAt: t.created_at, expiresAt: t.expires_at })),
    };
  }

  return { list };
}

export type PublishersListService = ReturnType<typeof createPublishersListService>;
