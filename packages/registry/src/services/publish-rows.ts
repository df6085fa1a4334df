import { FlockError, type ProvenanceDto, type Version } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { OrgRow } from '../db/schema.js';
import type { TrustedGrant } from './oidc/exchange.js';
import { describe } from './trusted-publishers.js';

/** What a publish writes besides the archive: who published (the versions row, the audit log) and from where. */

/** Who publishes: a user (token or session), or a trusted publisher through its short-lived grant. */
export type Publisher = { kind: 'user'; principal: Principal } | { kind: 'trusted'; grant: TrustedGrant };

export function provenanceColumns(p: ProvenanceDto | null) {
  if (p === null) return {};
  return {
    source_repository: p.repository, source_commit: p.commit, source_path: p.path,
    source_dirty: p.dirty ? 1 : 0, build_command: p.buildCommand,
  };
}

/**
 * A trusted publish names the publisher's creator as the versions row's publisher: the owner who
 * vouched for that CI identity answers for what it publishes (and the column must name a user).
 */
export function publisherColumns(publisher: Publisher) {
  if (publisher.kind === 'user') return { publisher_id: publisher.principal.userId, token_id: publisher.principal.token?.id ?? null };
  const { grant } = publisher;
  return { publisher_id: grant.publisher.created_by, token_id: null, trusted_publisher_id: grant.publisher.id, oidc_claims: grant.claims };
}

export function auditActor(org: OrgRow, publisher: Publisher) {
  if (publisher.kind === 'user') return { principal: publisher.principal };
  return { actor: { id: null, name: 'trusted publisher', tokenId: publisher.grant.publisher.id, tokenName: describe(org.name, publisher.grant.publisher) } };
}

/** Single use, decided inside the insert's transaction: a publish that fails does not burn the token. */
export async function consumeGrant(trx: Db, grant: TrustedGrant, version: Version, now: string): Promise<void> {
  const result = await trx
    .updateTable('oidc_tokens')
    .set({ used_version: version })
    .where('id', '=', grant.tokenId)
    .where('used_version', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new FlockError('invalid_token', 'This publish token was already used or has expired');
}

