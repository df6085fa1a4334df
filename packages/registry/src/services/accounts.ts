import { randomUUID } from 'node:crypto';
import { FlockError, nameKey, parseOrgName, reservedNameFor, type OrgName, type OrgRole } from '@flock/core';
import { isUniqueViolation, type Db } from '../db/connect.js';
import type { OrgRow, PackageRow, UserRow } from '../db/schema.js';
import { isoNow, type Clock } from './clock.js';

export type Role = OrgRole;

export interface AccountsDeps {
  db: Db;
  clock: Clock;
  /** Throws when a new org (a personal one too) may not take this name: a mirror's upstream has it (services/mirror.ts). */
  checkNewOrgName?: (name: OrgName) => Promise<void>;
}

/** Users, organizations and memberships. Usernames follow the org-name rules: a user's personal org shares the name. */
export function createAccountsService({ db, clock, checkNewOrgName }: AccountsDeps) {
  async function findUser(username: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('username_key', '=', nameKey(username)).executeTakeFirst();
  }

  async function findOrg(name: string): Promise<OrgRow | undefined> {
    return db.selectFrom('orgs').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async function findPackage(orgId: string, name: string): Promise<PackageRow | undefined> {
    return db.selectFrom('packages').selectAll().where('org_id', '=', orgId).where('name', '=', name).executeTakeFirst();
  }

  async function requireUser(username: string): Promise<UserRow> {
    const user = await findUser(username);
    if (!user) throw new FlockError('not_found', `No user named "${username}"`);
    return user;
  }

  async function requireOrg(name: string): Promise<OrgRow> {
    const org = await findOrg(name);
    if (!org) throw new FlockError('not_found', `No organization named "${name}"`);
    return org;
  }

  function nameTaken(name: string): FlockError {
    return new FlockError('conflict', `The name "${name}" is already taken`);
  }

  /**
   * Reserved names are for operators only (`allowReserved`). A conflict, like a
   * taken name: a first GitHub sign-in as "admin" then becomes "admin-2".
   */
  function refuseReserved(name: OrgName, allowReserved: boolean | undefined): void {
    const reserved = reservedNameFor(name);
    if (reserved === null || allowReserved) return;
    const reads = reserved === name ? '' : ` (it reads as "${reserved}")`;
    throw new FlockError('conflict', `The name "${name}" is reserved${reads}`);
  }

  /** Creates a user and the personal org of the same name, owned by them, in one transaction. */
  async function createUser(input: { username: string; githubId?: string; passwordHash?: string; allowReserved?: boolean }): Promise<UserRow> {
    const username: OrgName = parseOrgName(input.username);
    refuseReserved(username, input.allowReserved);
    await checkNewOrgName?.(username);
    const now = isoNow(clock);
    const user: UserRow = {
      id: randomUUID(),
      username,
      username_key: nameKey(username),
      github_id: input.githubId ?? null,
      password_hash: input.passwordHash ?? null,
      created_at: now,
    };
    try {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(user).execute();
        const orgId = randomUUID();
        await trx.insertInto('orgs').values({ id: orgId, name: username, name_key: user.username_key, kind: 'personal', created_at: now }).execute();
        await trx.insertInto('memberships').values({ org_id: orgId, user_id: user.id, role: 'owner', created_at: now }).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(username);
      throw error;
    }
    return user;
  }

  /** Creates a shared org owned by `ownerId`. Names are compared case-insensitively with '-'/'_' folded. */
  async function createOrg(input: { name: string; ownerId: string; allowReserved?: boolean }): Promise<OrgRow> {
    const name = parseOrgName(input.name);
    refuseReserved(name, input.allowReserved);
    await checkNewOrgName?.(name);
    const now = isoNow(clock);
    const org: OrgRow = { id: randomUUID(), name, name_key: nameKey(name), kind: 'shared', created_at: now, trusted_publishing_only: 0, hold_unusual: 0, max_bytes: null, max_versions_per_day: null, max_packages: null };
    try {
      await db.transaction().execute(async (trx) => {
        // A user's name is reserved for their personal org even if that org were ever gone.
        const user = await trx.selectFrom('users').select('id').where('username_key', '=', org.name_key).executeTakeFirst();
        if (user) throw nameTaken(name);
        await trx.insertInto('orgs').values(org).execute();
        await trx.insertInto('memberships').values({ org_id: org.id, user_id: input.ownerId, role: 'owner', created_at: now }).execute();
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(name);
      throw error;
    }
    return org;
  }

  async function roleOf(orgId: string, userId: string): Promise<Role | null> {
    const row = await db
      .selectFrom('memberships')
      .select('role')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role ?? null;
  }

  /** Adds a member or changes their role (in the caller's transaction when given). */
  async function setMember(input: { orgId: string; userId: string; role: Role }, executor: Db = db): Promise<void> {
    await executor
      .insertInto('memberships')
      .values({ org_id: input.orgId, user_id: input.userId, role: input.role, created_at: isoNow(clock) })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role: input.role }))
      .execute();
  }

  async function orgsOf(userId: string): Promise<Array<{ id: string; name: string; role: Role }>> {
    return db
      .selectFrom('memberships')
      .innerJoin('orgs', 'orgs.id', 'memberships.org_id')
      .select(['orgs.id', 'orgs.name', 'memberships.role'])
      .where('memberships.user_id', '=', userId)
      .orderBy('orgs.name')
      .execute();
  }

  return { findUser, findOrg, findPackage, requireUser, requireOrg, createUser, createOrg, roleOf, setMember, orgsOf };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
