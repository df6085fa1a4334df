import { createHash } from 'node:crypto';
import { FlockError, nameKey, parseOrgName, sha256Hex, type OrgName } from '@flock/core';
import type { Principal } from '../auth/principal.js';
import { open, seal } from '../auth/secret-box.js';
import { contentKey } from '../blobs/keys.js';
import type { BlobStore } from '../blobs/store.js';
import type { Db } from '../db/connect.js';
import type { MirrorIndexTable } from '../db/schema.js';
import { isoNow, type Clock } from './clock.js';
import type { UpstreamLogCheck } from './mirror-log.js';
import { appendRecord } from './transparency-log.js';
import type { UpstreamClient } from './mirror-upstream.js';

/**
 * A pull-through mirror of another Flock registry (FLOCK_UPSTREAM). Packages of orgs that do not
 * exist here are answered from the upstream: index answers cached in the database with the
 * upstream's ETag and revalidated (If-None-Match) on every request, served stale when the upstream
 * is down; archives fetched once, checked against the upstream index's checksum and the upstream's
 * transparency log, then kept in this registry's store and served from there ever after. Local
 * orgs are never proxied, and a new local org may not take a name the upstream has.
 */

export interface MirrorDeps {
  db: Db;
  blobs: BlobStore;
  clock: Clock;
  secretKey: Buffer;
  upstream: UpstreamClient;
  log: UpstreamLogCheck;
  maxArchiveBytes: number;
  /** FLOCK_UPSTREAM_MAX_AGE: how long an index answer is served before the upstream is asked again (0: every time). */
  maxAgeMs: number;
  /** access.canReadMirrored: who may read a mirrored package. */
  canRead: (principal: Principal | null, isPrivate: boolean) => boolean;
}

export interface MirroredIndex {
  body: Buffer;
  /** Strong ETag over the body, as the local index's. */
  etag: string;
  private: boolean;
}

export interface MirroredArchive {
  body: Buffer;
  checksum: string;
  private: boolean;
}

/** An upstream index line, as far as the mirror reads it. */
interface UpstreamLine {
  version: string;
  checksum: string;
}

const MAX_INDEX_LINES = 10_000;
const MAX_TOKEN_LENGTH = 1024;
const CHECKSUM = /^sha256:[0-9a-f]{64}$/;

/** The upstream's lines, checked before they are cached: every line JSON with a version and a sha256 checksum. */
function parseIndexBody(body: Buffer, what: string): UpstreamLine[] {
  const text = body.toString('utf8');
  const lines = text.split('\n').filter((line) => line !== '');
  const bad = () => new FlockError('bad_gateway', `The upstream registry's index of ${what} is not a Flock sparse index`);
  if (lines.length > MAX_INDEX_LINES) throw bad();
  return lines.map((line) => {
    let parsed: { version?: unknown; checksum?: unknown };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      throw bad();
    }
    if (typeof parsed?.version !== 'string' || typeof parsed.checksum !== 'string' || !CHECKSUM.test(parsed.checksum)) throw bad();
    return { version: parsed.version, checksum: parsed.checksum };
  });
}

const tokenAad = (org: string) => `mirror-token:${org}`;

export function createMirrorService({ db, blobs, clock, secretKey, upstream, log, maxArchiveBytes, maxAgeMs, canRead }: MirrorDeps) {
  /** Whether `org` is the upstream's to answer here: no local org has its name (folded as org names are). */
  async function mirrors(org: string): Promise<boolean> {
    return (await db.selectFrom('orgs').select('id').where('name_key', '=', nameKey(org)).executeTakeFirst()) === undefined;
  }

  async function tokenFor(org: string): Promise<string | null> {
    const row = await db.selectFrom('mirror_tokens').select('sealed').where('org', '=', org).executeTakeFirst();
    return row ? open(secretKey, row.sealed, tokenAad(org)) : null;
  }

  /**
   * `flock-registry mirror token`: the read token this mirror sends the upstream for org's packages
   * (null removes it). The cache stays: every index answer is revalidated with the token now in force,
   * so a private package read with a removed token is dropped at its next request (the upstream's 404).
   */
  async function setToken(rawOrg: string, token: string | null): Promise<void> {
    const org = parseOrgName(rawOrg);
    if (token === null) {
      await db.deleteFrom('mirror_tokens').where('org', '=', org).execute();
      return;
    }
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || /[\s\p{Cc}]/u.test(token)) {
      throw new FlockError('bad_request', `Invalid token: expected up to ${MAX_TOKEN_LENGTH} characters without spaces`);
    }
    const sealed = seal(secretKey, token, tokenAad(org));
    await db.insertInto('mirror_tokens').values({ org, sealed, created_at: isoNow(clock) })
      .onConflict((oc) => oc.column('org').doUpdateSet({ sealed, created_at: isoNow(clock) })).execute();
  }

  function toIndex(row: Pick<MirrorIndexTable, 'body' | 'private'>): MirroredIndex {
    const body = Buffer.from(row.body, 'utf8');
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"`, private: row.private !== 0 };
  }

  /**
   * org/name's index lines from the upstream, revalidated unless checked within `maxAgeMs` (or
   * `revalidate`): a 304 keeps the cache, a 404 drops it, an unreachable upstream (or a refusal of
   * the org's token) serves what was cached. Null when the upstream has no such package.
   */
  async function fetchIndex(org: OrgName, name: string, revalidate = false): Promise<MirroredIndex | null> {
    const cached = await db.selectFrom('mirror_index').select(['body', 'etag', 'private', 'checked_at']).where('org', '=', org).where('name', '=', name).executeTakeFirst();
    // Fresh enough: every request asking the upstream would cost a round trip and its CPU each (bench:ops).
    if (cached && !revalidate && clock().getTime() - Date.parse(cached.checked_at) < maxAgeMs) return toIndex(cached);
    const what = `${org}/${name}`;
    const answer = await upstream.index(org, name, cached?.etag ?? null, await tokenFor(org));
    const now = isoNow(clock);
    if (answer.kind === 'ok') {
      parseIndexBody(answer.body, what);
      const row = {
        body: answer.body.toString('utf8'), etag: answer.headers.get('etag'),
        private: /\bprivate\b/.test(answer.headers.get('cache-control') ?? '') ? 1 : 0, checked_at: now,
      };
      await db.insertInto('mirror_index').values({ org, name, ...row })
        .onConflict((oc) => oc.columns(['org', 'name']).doUpdateSet(row)).execute();
      return toIndex(row);
    }
    if (answer.kind === 'status' && answer.status === 304 && cached) {
      await db.updateTable('mirror_index').set({ checked_at: now }).where('org', '=', org).where('name', '=', name).execute();
      return toIndex(cached);
    }
    if (answer.kind === 'status' && answer.status === 404) {
      // Gone upstream (or no longer readable with our token): no longer served here either.
      if (cached) await db.deleteFrom('mirror_index').where('org', '=', org).where('name', '=', name).execute();
      return null;
    }
    if (cached) return toIndex(cached);
    if (answer.kind === 'unreachable') {
      throw new FlockError('unavailable', `The upstream registry is unreachable (${answer.reason}) and ${what} is not cached here`);
    }
    throw new FlockError('bad_gateway', `The upstream registry answered HTTP ${answer.status} for the index of ${what}`);
  }

  /** The index answer for a package not in this registry's database; null answers 404. */
  async function index(principal: Principal | null, org: OrgName, name: string): Promise<MirroredIndex | null> {
    if (!(await mirrors(org))) return null;
    const found = await fetchIndex(org, name);
    return found !== null && canRead(principal, found.private) ? found : null;
  }

  /**
   * An archive: from this registry's store once fetched (the upstream is not asked again), else
   * fetched, checked and stored first. Null answers 404.
   */
  async function download(principal: Principal | null, org: OrgName, name: string, version: string): Promise<MirroredArchive | null> {
    const found = await readable(principal, org, name);
    return found === null ? null : archive(found, org, name, version);
  }

  /**
   * org/name's index answer as cached (whatever its age: a download needs its checksum, not the
   * newest lines), else fetched; null when it is not the upstream's to answer or the principal may not read it.
   */
  async function readable(principal: Principal | null, org: OrgName, name: string): Promise<{ entry: MirroredIndex; cached: boolean } | null> {
    if (!(await mirrors(org))) return null;
    const cachedIndex = await db.selectFrom('mirror_index').select(['body', 'private']).where('org', '=', org).where('name', '=', name).executeTakeFirst();
    const entry = cachedIndex ? toIndex(cachedIndex) : await fetchIndex(org, name);
    return entry !== null && canRead(principal, entry.private) ? { entry, cached: cachedIndex !== undefined } : null;
  }

  /** The archive of a readable package's version: from the store, else fetched, checked, stored and logged. */
  async function archive({ entry, cached }: { entry: MirroredIndex; cached: boolean }, org: OrgName, name: string, version: string): Promise<MirroredArchive> {
    const label = `${org}/${name}@${version}`;
    const stored = await db.selectFrom('mirror_archives').select(['checksum', 'blob_key']).where('org', '=', org).where('name', '=', name).where('version', '=', version).executeTakeFirst();
    if (stored) {
      const body = await blobs.get(stored.blob_key);
      if (!body) throw new Error(`blob ${stored.blob_key} missing from the registry's store for mirrored ${label}`);
      return { body, checksum: stored.checksum, private: entry.private };
    }
    let line = parseIndexBody(entry.body, `${org}/${name}`).find((l) => l.version === version);
    // A version published upstream since the index was cached: read the index again.
    if (!line && cached) {
      const fresh = await fetchIndex(org, name, true);
      line = fresh === null ? undefined : parseIndexBody(fresh.body, `${org}/${name}`).find((l) => l.version === version);
    }
    if (!line) throw new FlockError('not_found', `Version ${label} not found`);
    const token = await tokenFor(org);
    const answer = await upstream.archive(org, name, version, token, maxArchiveBytes);
    if (answer.kind === 'unreachable') throw new FlockError('unavailable', `The upstream registry is unreachable (${answer.reason}) and ${label} is not cached here`);
    if (answer.kind !== 'ok') throw new FlockError('bad_gateway', `The upstream registry answered HTTP ${answer.status} for the archive of ${label}`);
    const hex = sha256Hex(answer.body);
    if (`sha256:${hex}` !== line.checksum) throw new FlockError('bad_gateway', `Upstream archive for ${label} does not match the upstream index checksum`);
    const logIndex = await log.check(org, name, version, line.checksum, token);
    // Stored only once every check passed; the row last, so a stored row always has its blob.
    const blobKey = contentKey(hex);
    await blobs.put(blobKey, answer.body);
    await db.transaction().execute(async (trx) => {
      const now = isoNow(clock);
      const inserted = await trx.insertInto('mirror_archives')
        .values({ org, name, version, checksum: line.checksum, blob_key: blobKey, log_index: logIndex, local_log_index: -1, fetched_at: now })
        .onConflict((oc) => oc.columns(['org', 'name', 'version']).doNothing()).executeTakeFirst();
      // Another replica stored it first: its record is already in the log.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return;
      // This registry vouches for the bytes it serves in its own log, last in the transaction like every append.
      const index = await appendRecord(trx, {
        event: 'publish', packageId: `mirror:${org}/${name}`, package: `${org}/${name}`, version, archive: line.checksum, time: now, private: entry.private,
      });
      await trx.updateTable('mirror_archives').set({ local_log_index: index }).where('org', '=', org).where('name', '=', name).where('version', '=', version).execute();
    });
    return { body: answer.body, checksum: line.checksum, private: entry.private };
  }

  /**
   * The index of a mirrored version's record in this registry's log, fetching (and so checking and
   * logging) the archive first when it was not yet: a client's lookup may come before its download.
   * Null when the principal may not read it (404).
   */
  async function logIndexOf(principal: Principal | null, org: OrgName, name: string, version: string): Promise<number | null> {
    const found = await readable(principal, org, name);
    if (found === null) return null;
    const find = () => db.selectFrom('mirror_archives').select('local_log_index').where('org', '=', org).where('name', '=', name).where('version', '=', version).executeTakeFirst();
    let row = await find();
    if (row === undefined) {
      await archive(found, org, name, version);
      row = await find();
    }
    return row === undefined ? null : Number(row.local_log_index);
  }

  /**
   * Refuses a new local org (a user's personal org included) whose name is an org upstream: it
   * would shadow the upstream's packages. An upstream that cannot be asked refuses too.
   */
  async function refuseShadowing(name: string): Promise<void> {
    const answer = await upstream.org(name);
    if (answer.kind === 'status' && answer.status === 404) return;
    if (answer.kind === 'ok') {
      throw new FlockError('conflict', `The name "${name}" is an organization on the upstream registry ${upstream.url}; this mirror does not let a local organization shadow it`);
    }
    const why = answer.kind === 'unreachable' ? answer.reason : `HTTP ${answer.status}`;
    throw new FlockError('unavailable', `Cannot check whether "${name}" is an organization on the upstream registry ${upstream.url} (${why}); try again when it answers`);
  }

  return { url: upstream.url, index, download, logIndexOf, refuseShadowing, setToken };
}

export type MirrorService = ReturnType<typeof createMirrorService>;
