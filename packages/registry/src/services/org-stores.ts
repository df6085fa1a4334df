import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FlockError, type OrgName, type OrgStoreDto } from '@flock/core';
import { open, seal } from '../auth/secret-box.js';
import type { Principal } from '../auth/principal.js';
import { createS3BlobStore } from '../blobs/s3.js';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import type { OrgStoreRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';
import type { AuditService } from './audit.js';
import { isoNow, type Clock } from './clock.js';

const orgStoreInput = z.strictObject({
  endpoint: z.url({ protocol: /^https?$/, error: 'endpoint must be an http(s) URL' }),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'bucket must be a valid S3 bucket name'),
  region: z.string().min(1).max(64),
  prefix: z.string().max(512).optional(),
  accessKeyId: z.string().min(1).max(256),
  secretAccessKey: z.string().min(1).max(1024),
});

export type OrgStoreInput = z.infer<typeof orgStoreInput>;

/** The settings from the API's JSON or the page's form, checked once; one-line errors naming the field. */
export function parseOrgStoreInput(value: unknown): OrgStoreInput {
  const result = orgStoreInput.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new FlockError('bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return result.data;
}

export type OrgStoreStatus = OrgStoreDto;

/** Where one org's blobs live: its own store, or the registry's. */
export interface Placement {
  store: BlobStore;
  /** The value kept in versions.store: null for the registry's store. */
  kind: 'org' | null;
  /** For error messages: "the store of organization acme". */
  label: string;
}

export interface OrgStoresDeps {
  db: Db;
  clock: Clock;
  secretKey: Buffer;
  registryStore: BlobStore;
  accounts: AccountsService;
  access: AccessService;
  /** Store changes are audited (and so reach the org's webhooks) in the transaction that makes them. */
  audit?: AuditService;
  /** Builds a store from a location; tests and the S3 implementation agree on this shape. */
  openStore?: typeof createS3BlobStore;
}

function storeError(org: string, error: unknown): FlockError {
  const reason = (error as Error)?.name && (error as Error).name !== 'Error' ? (error as Error).name : ((error as Error)?.message ?? 'unknown error');
  return new FlockError('unavailable', `The store of organization ${org} failed: ${reason}`, { cause: error });
}

/**
 * An org's own S3-compatible Catalog Store (seed 000). Once set, that org's
 * archives and docs are written only there and downloaded straight from it.
 */
export function createOrgStoresService(deps: OrgStoresDeps) {
  const { db, clock, secretKey, registryStore, accounts, access, audit } = deps;
  const openStore = deps.openStore ?? createS3BlobStore;
  // Built clients, keyed by org and the row's checked_at. The row itself is read on every
  // use, so a store set through another replica takes effect here at once.
  const clients = new Map<string, { stamp: string; store: BlobStore }>();

  function build(row: OrgStoreRow): BlobStore {
    const secretAccessKey = open(secretKey, row.secret_sealed, row.org_id);
    return openStore({ endpoint: row.endpoint, bucket: row.bucket, region: row.region, prefix: row.prefix, credentials: { accessKeyId: row.access_key_id, secretAccessKey } });
  }

  // Where an org's archives go is org administration: owners, with a session or a manage token allowed on that org.
  async function requireOwner(principal: Principal, orgName: OrgName) {
    return access.requireRole(principal, await accounts.findOrg(orgName), 'owner', 'manage');
  }

  function registryPlacement(): Placement {
    return { store: registryStore, kind: null, label: 'the registry store' };
  }

  /** Where a stored version's blobs are: versions.store names it. */
  async function placementOf(version: { store: string | null }, orgId: string, orgName: string): Promise<Placement> {
    if (version.store !== 'org') return registryPlacement();
    const placement = await placementFor(orgId, orgName);
    if (placement.kind !== 'org') throw new Error(`version stored in the org store of ${orgName}, which has none`);
    return placement;
  }

  /** The store for an org's blobs: its own when it has one, else the registry's. */
  async function placementFor(orgId: string, orgName: string): Promise<Placement> {
    const row = await db.selectFrom('org_stores').selectAll().where('org_id', '=', orgId).executeTakeFirst();
    if (!row) return registryPlacement();
    let client = clients.get(orgId);
    if (!client || client.stamp !== row.checked_at) {
      client = { stamp: row.checked_at, store: build(row) };
      clients.set(orgId, client);
    }
    return { store: client.store, kind: 'org', label: `the store of organization ${orgName}` };
  }

  /** Checks the store by writing and deleting a probe object, then saves it with the secret sealed. */
  async function set(principal: Principal, orgName: OrgName, input: OrgStoreInput): Promise<OrgStoreStatus> {
    const org = await requireOwner(principal, orgName);
    const prefix = (input.prefix ?? '').replace(/^\/+|\/+$/g, '');
    // Versions already stored there are found by this location: while there are any, only the credentials may change.
    const current = await db.selectFrom('org_stores').selectAll().where('org_id', '=', org.id).executeTakeFirst();
    const moves = current && (current.endpoint !== input.endpoint || current.bucket !== input.bucket || current.prefix !== prefix);
    const stored = moves ? await storedVersions(org.id) : 0;
    if (stored > 0) {
      throw new FlockError('conflict', `The store of ${org.name} holds ${versionsText(stored)}; only its credentials can change, not its endpoint, bucket or prefix`);
    }
    const candidate = openStore({ endpoint: input.endpoint, bucket: input.bucket, region: input.region, prefix, credentials: { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey } });
    const probe = `flock-probe/${randomUUID()}`;
    try {
      await candidate.put(probe, Buffer.from('flock store probe'));
      await candidate.delete(probe);
    } catch (error) {
      throw new FlockError('bad_request', `Could not write to the store at ${input.endpoint} (bucket ${input.bucket}): ${(error as Error).name || 'error'}`, { cause: error });
    }
    const now = isoNow(clock);
    const row: OrgStoreRow = {
      org_id: org.id, endpoint: input.endpoint, bucket: input.bucket, region: input.region, prefix,
      access_key_id: input.accessKeyId, secret_sealed: seal(secretKey, input.secretAccessKey, org.id), created_at: now, checked_at: now,
    };
    const where = { endpoint: row.endpoint, bucket: row.bucket, region: row.region, prefix: row.prefix };
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('org_stores')
        .values(row)
        .onConflict((oc) => oc.column('org_id').doUpdateSet({ ...row, created_at: undefined }))
        .execute();
      // Where the archives go, never the credentials.
      await audit?.record({ principal, action: 'store.set', orgId: org.id, subject: `s3://${row.bucket}${prefix ? `/${prefix}` : ''} at ${row.endpoint}`, details: where }, trx);
    });
    return status(principal, orgName);
  }

  async function status(principal: Principal, orgName: OrgName): Promise<OrgStoreStatus> {
    const org = await access.requireRole(principal, await accounts.findOrg(orgName), 'member');
    const row = await db.selectFrom('org_stores').selectAll().where('org_id', '=', org.id).executeTakeFirst();
    if (!row) return { configured: false };
    return { configured: true, endpoint: row.endpoint, bucket: row.bucket, region: row.region, prefix: row.prefix, checkedAt: row.checked_at };
  }

  async function storedVersions(orgId: string): Promise<number> {
    const { count } = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .where('packages.org_id', '=', orgId)
      .where('versions.store', '=', 'org')
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  const versionsText = (n: number) => `${n} version${n === 1 ? '' : 's'}`;

  /** Refused while versions are stored there: removing it would strand them. */
  async function remove(principal: Principal, orgName: OrgName): Promise<void> {
    const org = await requireOwner(principal, orgName);
    const stored = await storedVersions(org.id);
    if (stored > 0) {
      throw new FlockError('conflict', `The store of ${org.name} still holds ${versionsText(stored)}; it cannot be removed`);
    }
    await db.transaction().execute(async (trx) => {
      const gone = await trx.deleteFrom('org_stores').where('org_id', '=', org.id).executeTakeFirst();
      if (Number(gone.numDeletedRows) > 0) await audit?.record({ principal, action: 'store.remove', orgId: org.id, subject: org.name }, trx);
    });
    clients.delete(org.id);
  }

  return { placementFor, placementOf, registryPlacement, set, status, remove, storeError };
}

export type OrgStoresService = ReturnType<typeof createOrgStoresService>;
