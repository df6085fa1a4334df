import { randomUUID } from 'node:crypto';
import {
  FlockError, inspectArchive, maxSatisfying, nameKey, sha256Hex, parseDocModel, parseManifest, parsePackageRef,
  type Limits, type Manifest, type OrgName, type PackageName, type ProvenanceDto, type Version,
} from '@flock/core';
import { contentKey, keyFor } from '../blobs/keys.js';
import { isUniqueViolation, type Db } from '../db/connect.js';
import type { OrgRow, PackageRow } from '../db/schema.js';
import type { AccessService } from './access.js';
import type { AccountsService } from './accounts.js';
import type { AuditService } from './audit.js';
import { isoNow, type Clock } from './clock.js';
import type { OrgStoresService, Placement } from './org-stores.js';
import type { RateLimit, RateLimitsService } from './rate-limits.js';
import type { PackageEvents } from './package-events.js';
import { findPendingHeld, heldVersionTaken, holdVersion, setHeldDocsKey } from './held-versions.js';
import { lockOrgQuotas, requireWithinQuota } from './quotas.js';
import { assessPublish, credentialOf, flagsColumn, unusualSuffix, type PublishAssessment, type SourceLineage } from './publish-flags.js';
import { auditActor, consumeGrant, provenanceColumns, publisherColumns, type Publisher } from './publish-rows.js';
import { appendDocsRecord, appendRecord } from './transparency-log.js';

export type { Publisher };

type Readable = Pick<PackageRow, 'visibility' | 'org_id'>;

export interface PublishDeps {
  db: Db;
  clock: Clock;
  limits: Limits;
  accounts: AccountsService;
  access: AccessService;
  orgStores: OrgStoresService;
  rateLimits: RateLimitsService;
  publishRate: RateLimit;
  onStoreError?: (store: 'registry' | 'org') => void;
  audit?: AuditService;
  events: PackageEvents;
}

export interface PublishInput {
  publisher: Publisher;
  org: OrgName;
  name: PackageName;
  version: Version;
  archive: Uint8Array;
  /** Where the archive came from, as the client reported it (validated at the edge); null or absent when unknown. */
  provenance?: ProvenanceDto | null;
  /** The client's answer to "does the commit descend from the previous version's?" (validated at the edge). */
  lineage?: SourceLineage | null;
}

/** A publish's answer: held ones wait for an owner's approval (org setting hold_unusual). */
export type PublishResult = { checksum: string } | { checksum: string; held: true; flags: string[] };

const MAX_README_BYTES = 512 * 1024;
const isReadme = (path: string): boolean => /^readme(\.md|\.markdown|\.txt)?$/i.test(path);

function readArchiveManifest(contents: Map<string, Buffer>, input: PublishInput): { manifest: Manifest; readme: string | null } {
  const toml = contents.get('flock.toml');
  if (!toml) throw new FlockError('invalid_archive', 'The archive has no flock.toml');
  const manifest = parseManifest(toml.toString('utf8'), 'flock.toml');
  const p = manifest.package;
  const inArchive = `${p.org ?? '(no org)'}/${p.name}@${p.version}`;
  if (p.org !== input.org || p.name !== input.name || p.version !== input.version) {
    throw new FlockError('bad_request', `flock.toml in the archive says ${inArchive}, but the URL says ${input.org}/${input.name}@${input.version}`);
  }
  const readmeKey = [...contents.keys()].filter(isReadme).sort()[0];
  const readme = readmeKey ? contents.get(readmeKey)!.subarray(0, MAX_README_BYTES).toString('utf8') : null;
  return { manifest, readme };
}

/** Publishing versions and their docs. Every check runs before anything is written. */
export function createPublishService(deps: PublishDeps) {
  const { db, clock, limits, accounts, access, orgStores, rateLimits, publishRate, onStoreError, audit, events } = deps;

  /** Writes to the org's own store when it has one; its failure is that org's 503, never a silent fallback. */
  async function putBlob(placement: Placement, org: OrgRow, key: string, bytes: Uint8Array): Promise<void> {
    try {
      await placement.store.put(key, bytes);
    } catch (error) {
      onStoreError?.(placement.kind ?? 'registry');
      if (placement.kind === 'org') throw orgStores.storeError(org.name, error);
      throw error;
    }
  }

  /** Each dependency must exist, be visible to the publisher, have a matching version, and not be private under a public package. */
  async function checkDependencies(canRead: (pkg: Readable) => Promise<boolean>, manifest: Manifest, visibility: PackageRow['visibility']): Promise<void> {
    for (const [key, range] of Object.entries(manifest.dependencies)) {
      const ref = parsePackageRef(key);
      const dep = await db
        .selectFrom('packages')
        .innerJoin('orgs', 'orgs.id', 'packages.org_id')
        .select(['packages.id', 'packages.org_id', 'packages.visibility'])
        .where('orgs.name', '=', ref.org)
        .where('packages.name', '=', ref.name)
        .executeTakeFirst();
      // The read routes' own rule (token scopes and org restriction included), so a dependency
      // this principal cannot read is answered exactly like one that was never published.
      if (!dep || !(await canRead(dep))) throw new FlockError('bad_request', `Dependency ${key} does not exist`);
      if (visibility === 'public' && dep.visibility === 'private') {
        throw new FlockError('bad_request', `A public package cannot depend on the private package ${key}`);
      }
      const versions = await db.selectFrom('versions').select('version').where('package_id', '=', dep.id).where('yanked', '=', 0).execute();
      if (maxSatisfying(versions.map((v) => v.version as Version), range) === null) {
        throw new FlockError('bad_request', `Dependency ${key} has no version matching ${range}`);
      }
    }
  }

  async function existingPackage(orgId: string, name: string): Promise<PackageRow | undefined> {
    return db.selectFrom('packages').selectAll().where('org_id', '=', orgId).where('name', '=', name).executeTakeFirst();
  }

  /**
   * A new package's name must not fold (nameKey) to another package's of the org. Only
   * publishers of the org get here; the other package is named unless it is private and
   * this token may not read it (a publish-only token learns no private name).
   */
  async function requireDistinctName(canRead: (pkg: Readable) => Promise<boolean>, org: OrgRow, name: PackageName): Promise<void> {
    const other = await db
      .selectFrom('packages')
      .select(['name', 'visibility', 'org_id'])
      .where('org_id', '=', org.id)
      .where('name_key', '=', nameKey(name))
      .where('name', '!=', name)
      .executeTakeFirst();
    if (!other) return;
    const shown = (await canRead(other)) ? `the existing ${org.name}/${other.name}` : `an existing package of ${org.name}`;
    throw new FlockError('conflict', `Package name ${name} is too similar to ${shown}`);
  }

  /** Refused before any work or write: a taken version can never be published again (yanked ones included). */
  async function requireNewVersion(orgId: string, input: PublishInput): Promise<void> {
    const taken = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .select('versions.id')
      .where('packages.org_id', '=', orgId)
      .where('packages.name', '=', input.name)
      .where('versions.version', '=', input.version)
      .executeTakeFirst();
    if (taken || (await heldVersionTaken(db, orgId, input.name, input.version))) throw new FlockError('version_exists', 'Version already exists');
  }

  /** What is unusual about this publish (publish-flags.ts), and whether the org holds it for approval. */
  async function assessUnusual(org: OrgRow, existing: PackageRow | undefined, input: PublishInput): Promise<PublishAssessment & { hold: boolean }> {
    const assessment = await assessPublish(db, existing?.id, {
      version: input.version, provenance: input.provenance ?? null, lineage: input.lineage ?? null, credential: credentialOf(input),
    });
    return { ...assessment, hold: org.hold_unusual === 1 && assessment.flags.length > 0 };
  }

  /**
   * Removes the blob of a publish that lost the race for its version (or its name, to a look-alike:
   * those bytes name this package, so no other version holds them). Only then: the winner's row
   * is committed by the time the insert fails, so "unreferenced" is certain; identical bytes would
   * be the same version, which is taken for good (versions are never deleted).
   */
  async function dropLosingBlob(placement: Placement, blobKey: string): Promise<void> {
    // Docs refused by a quota come here too: their key may be a docs_key.
    const used = await db.selectFrom('versions').select('id').where((eb) => eb.or([eb('blob_key', '=', blobKey), eb('docs_key', '=', blobKey)])).executeTakeFirst();
    if (used) return;
    // Or a held row that won (its blob key is inside the stored row; a key is hex and slashes, no LIKE wildcard).
    if (await db.selectFrom('held_versions').select('id').where('row', 'like', `%${blobKey}%`).executeTakeFirst()) return;
    // Best effort: a leftover blob is harmless, and the 409 is the answer that matters.
    await placement.store.delete(blobKey).catch(() => undefined);
  }

  /**
   * A trusted grant reads its own org's packages and public ones, nothing else private.
   * A user reads what the read routes let it (token scopes and org restriction included).
   */
  function readerOf(publisher: Publisher): (pkg: Readable) => Promise<boolean> {
    if (publisher.kind === 'user') return (pkg) => access.canRead(publisher.principal, pkg);
    const orgId = publisher.grant.orgId;
    return async (pkg) => pkg.visibility === 'public' || pkg.org_id === orgId;
  }

  /** The org, if this publisher may publish `org/name` at all; counted against its rate limit. */
  async function requirePublisher(input: Pick<PublishInput, 'publisher' | 'org' | 'name'>): Promise<{ org: OrgRow; existing: PackageRow | undefined }> {
    const { publisher } = input;
    if (publisher.kind === 'user') {
      const org = await access.requirePublish(publisher.principal, await accounts.findOrg(input.org));
      const existing = await existingPackage(org.id, input.name);
      if (org.trusted_publishing_only === 1 || existing?.trusted_publishing_only === 1) {
        throw new FlockError('forbidden', `Only trusted publishers may publish ${input.org}/${input.name}`);
      }
      return { org, existing };
    }
    const org = await accounts.findOrg(input.org);
    if (!org || org.id !== publisher.grant.orgId || input.name !== publisher.grant.packageName) {
      throw new FlockError('forbidden', `This publish token is for ${publisher.grant.packageName} only`);
    }
    return { org, existing: await existingPackage(org.id, input.name) };
  }

  async function publish(input: PublishInput): Promise<PublishResult> {
    const { org, existing } = await requirePublisher(input);
    const { publisher } = input;
    if (publisher.kind === 'trusted' && publisher.grant.usedVersion !== null) {
      throw new FlockError('invalid_token', 'This publish token was already used or has expired');
    }
    // Counted before the archive is inspected: the limit protects that work too.
    const bucket = publisher.kind === 'user' ? `publish:user:${publisher.principal.userId}` : `publish:publisher:${publisher.grant.publisher.id}`;
    await rateLimits.hit(bucket, publishRate, 'publishes');
    await requireNewVersion(org.id, input);
    // Early, before the archive is inspected or stored; checked again, with the org locked, in insertVersion.
    await requireWithinQuota(db, org, { bytes: input.archive.byteLength, what: 'archive', version: true, newPackage: !existing, now: clock() });
    const canRead = readerOf(publisher);
    if (!existing) await requireDistinctName(canRead, org, input.name);
    const inspected = await inspectArchive(input.archive, {
      limits,
      keep: (path) => path === 'flock.toml' || isReadme(path),
    });
    if (inspected.root !== `${input.name}-${input.version}`) {
      throw new FlockError('invalid_archive', `The archive's top folder is "${inspected.root}"; expected "${input.name}-${input.version}"`);
    }
    const { manifest, readme } = readArchiveManifest(inspected.contents, input);
    const visibility = existing?.visibility ?? manifest.package.visibility;
    await checkDependencies(canRead, manifest, visibility);
    const unusual = await assessUnusual(org, existing, input);

    // Content-addressed, so writing before the row exists is safe: a retry reuses the blob, and a
    // publish that loses a race for its version removes its own (dropLosingBlob).
    // One synchronous pass over up to 10 MiB: the key is built from the same digest, not a second hash.
    const hex = sha256Hex(input.archive);
    const blobKey = contentKey(hex);
    const placement = await orgStores.placementFor(org.id, org.name);
    await putBlob(placement, org, blobKey, input.archive);
    let packageId: string;
    try {
      packageId = await insertVersion({ input, org, manifest, readme, visibility, blobKey, store: placement.kind, checksum: `sha256:${hex}`, unusual });
    } catch (error) {
      // A grant used up meanwhile (or expired), or a quota reached meanwhile (413, 429), stores nothing either.
      if (!(error instanceof FlockError && ['version_exists', 'conflict', 'invalid_token', 'too_large', 'rate_limited'].includes(error.code))) throw error;
      await dropLosingBlob(placement, blobKey);
      // Lost the race for the name to a look-alike: the same message as when it was there first.
      if (error.code === 'conflict') await requireDistinctName(canRead, org, input.name);
      throw error;
    }
    // A held version is in no listing, so nothing changed for readers.
    if (unusual.hold) return { checksum: `sha256:${hex}`, held: true, flags: unusual.flags };
    await events.changed({ org: org.name, name: input.name, packageId });
    return { checksum: `sha256:${hex}` };
  }

  interface InsertArgs {
    input: PublishInput;
    org: OrgRow;
    manifest: Manifest;
    readme: string | null;
    visibility: PackageRow['visibility'];
    blobKey: string;
    store: Placement['kind'];
    checksum: string;
    unusual: PublishAssessment & { hold: boolean };
  }

  async function insertVersion({ input, org, manifest, readme, visibility, blobKey, store, checksum, unusual }: InsertArgs): Promise<string> {
    const now = isoNow(clock);
    const p = manifest.package;
    try {
      return await db.transaction().execute(async (trx) => {
        // First, with the org locked: a concurrent publish waits here, then counts this one.
        const quota = await lockOrgQuotas(trx, org);
        // Whether this publish creates a package matters only to a package quota: no query without one.
        const known = quota.max_packages === null || (await trx.selectFrom('packages').select('id').where('org_id', '=', org.id).where('name', '=', input.name).executeTakeFirst()) !== undefined;
        await requireWithinQuota(trx, quota, { bytes: input.archive.byteLength, what: 'archive', version: true, newPackage: !known, now: clock() });
        // Nothing on any conflict: the same name (a new version), or a look-alike that won a race,
        // which the unique (org_id, name_key) index decides even between concurrent first publishes.
        await trx
          .insertInto('packages')
          .values({
            id: randomUUID(), org_id: org.id, name: input.name, name_key: nameKey(input.name), visibility,
            description: p.description ?? null, created_at: now, updated_at: now,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        const pkg = await trx.selectFrom('packages').select(['id', 'visibility']).where('org_id', '=', org.id).where('name', '=', input.name).executeTakeFirst();
        if (!pkg) throw new FlockError('conflict', `Package name ${input.name} is too similar to an existing package of ${org.name}`);
        // The unique key (package_id, version) decides between concurrent publishes of one version.
        const row = {
          id: randomUUID(), package_id: pkg.id, version: input.version, checksum, size: input.archive.byteLength, blob_key: blobKey,
          manifest: JSON.stringify(manifest), description: p.description ?? null, license: p.license ?? null,
          keywords: JSON.stringify(p.keywords), repository: p.repository ?? null, dependencies: JSON.stringify(manifest.dependencies),
          readme, published_at: now, docs_key: null, store,
          trusted_publisher_id: null, oidc_claims: null,
          ...publisherColumns(input.publisher),
          ...provenanceColumns(input.provenance ?? null),
          flags: flagsColumn(unusual.flags), source_descends: unusual.sourceDescends,
        };
        // Held or not, the grant is used up: it published this version.
        if (input.publisher.kind === 'trusted') await consumeGrant(trx, input.publisher.grant, input.version, now);
        const subject = `${input.org}/${input.name}@${input.version}${unusualSuffix(unusual.flags)}`;
        const actor = auditActor(org, input.publisher);
        if (unusual.hold) {
          await holdVersion(trx, row, unusual.flags, now);
          await audit?.record({ ...actor, action: 'publish.held', orgId: org.id, subject }, trx);
          return pkg.id;
        }
        await trx.insertInto('versions').values(row).execute();
        await trx.updateTable('packages').set({ updated_at: now, description: p.description ?? null }).where('id', '=', pkg.id).execute();
        await audit?.record({ ...actor, action: 'publish', orgId: org.id, subject, details: { package: input.name, version: input.version, visibility: pkg.visibility } }, trx);
        // Last, in the same transaction: no version without its record, no record without its version.
        const logIndex = await appendRecord(trx, {
          event: 'publish', packageId: pkg.id, package: `${input.org}/${input.name}`, version: input.version, archive: checksum,
          commit: input.provenance?.commit ?? null, time: now, private: pkg.visibility === 'private',
        });
        await trx.updateTable('versions').set({ log_index: logIndex }).where('id', '=', row.id).execute();
        return pkg.id;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new FlockError('version_exists', 'Version already exists');
      throw error;
    }
  }

  async function uploadDocs(input: Omit<PublishInput, 'archive'> & { body: Uint8Array }): Promise<void> {
    const org = input.publisher.kind === 'user'
      ? await access.requirePublish(input.publisher.principal, await accounts.findOrg(input.org))
      : (await requirePublisher(input)).org;
    // A grant documents only the version it published.
    if (input.publisher.kind === 'trusted' && input.publisher.grant.usedVersion !== input.version) {
      throw new FlockError('forbidden', `This publish token may upload documentation only for the version it published`);
    }
    const row = await db
      .selectFrom('versions')
      .innerJoin('packages', 'packages.id', 'versions.package_id')
      .select(['versions.id', 'versions.docs_key', 'versions.store', 'versions.package_id'])
      .where('packages.org_id', '=', org.id)
      .where('packages.name', '=', input.name)
      .where('versions.version', '=', input.version)
      .executeTakeFirst();
    // A held publish uploads its docs like any other: they wait in its held row.
    const held = row ? undefined : await findPendingHeld(db, org.id, input.name, input.version);
    const target = row ?? (held && { id: held.id, docs_key: held.row.docs_key ?? null, store: held.row.store ?? null, package_id: held.row.package_id });
    if (!target) throw new FlockError('not_found', `Version ${input.org}/${input.name}@${input.version} does not exist`);
    if (target.docs_key !== null) throw new FlockError('conflict', 'Documentation already exists');
    if (input.body.byteLength > limits.maxDocsBytes) {
      throw new FlockError('too_large', `Documentation is ${input.body.byteLength} bytes; the limit is ${limits.maxDocsBytes} bytes`);
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(input.body).toString('utf8'));
    } catch {
      throw new FlockError('invalid_docs', 'Invalid docs: not JSON');
    }
    const model = parseDocModel(json);
    // The org is optional in the model; when named, it must be the URL's like the name and version.
    if (model.package.org !== undefined && model.package.org !== input.org) {
      throw new FlockError('invalid_docs', `Invalid docs: they describe a package of ${model.package.org}, not of ${input.org}`);
    }
    if (model.package.name !== input.name || model.package.version !== input.version) {
      throw new FlockError('invalid_docs', `Invalid docs: they describe ${model.package.name}@${model.package.version}, not ${input.name}@${input.version}`);
    }
    const bytes = Buffer.from(JSON.stringify(model));
    const key = keyFor(bytes);
    const quota = { bytes: bytes.byteLength, what: 'documentation', now: clock() } as const;
    await requireWithinQuota(db, org, quota);
    // Docs live beside their archive, in the store the version was published to.
    const placement = await orgStores.placementOf(target, org.id, org.name);
    await putBlob(placement, org, key, bytes);
    try {
      await db.transaction().execute(async (trx) => {
        await requireWithinQuota(trx, await lockOrgQuotas(trx, org), quota);
        if (held !== undefined) return setHeldDocsKey(trx, held.id, held.row, key, bytes.byteLength);
        await storeDocsKey(trx, input, target, key, bytes.byteLength);
      });
    } catch (error) {
      if (error instanceof FlockError && error.code === 'too_large') await dropLosingBlob(placement, key);
      throw error;
    }
    if (held !== undefined) return;
    // The package page now shows an API reference: told like any change, so every replica's cached page goes.
    await events.changed({ org: org.name, name: input.name, packageId: target.package_id });
  }

  /** A visible version's docs: the key, its size (for the storage quota) and the log record, together. */
  async function storeDocsKey(trx: Db, input: { org: OrgName; name: PackageName; version: Version }, target: { id: string; package_id: string }, key: string, size: number): Promise<void> {
    const done = await trx.updateTable('versions').set({ docs_key: key, docs_size: size }).where('id', '=', target.id).where('docs_key', 'is', null).executeTakeFirst();
    // Another upload won meanwhile: its record is the one.
    if (Number(done.numUpdatedRows) === 0) return;
    await appendDocsRecord(trx, { org: input.org, name: input.name, version: input.version, packageId: target.package_id, docsKey: key, time: isoNow(clock) });
  }

  return { publish, uploadDocs, limits };
}

export type PublishService = ReturnType<typeof createPublishService>;
