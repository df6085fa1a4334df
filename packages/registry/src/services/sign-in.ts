import { FlockError, MAX_NAME_LENGTH, nameKey, parseOrgName } from '@flock/core';
import type { GithubUser } from '../auth/github.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/connect.js';
import type { UserRow } from '../db/schema.js';
import type { AccountsService } from './accounts.js';
import type { AuditService } from './audit.js';
import type { RateLimitsService } from './rate-limits.js';

export interface SignInDeps {
  db: Db;
  accounts: AccountsService;
  audit: AuditService;
  rateLimits: RateLimitsService;
}

/** Failed password attempts per username, across replicas: enough for typos, too few for guessing. */
const PASSWORD_ATTEMPTS = { limit: 10, windowSeconds: 15 * 60 };

const principalOf = (user: UserRow): Principal => ({ userId: user.id, username: user.username, token: null });

/**
 * Turns a GitHub login into a valid org name: lowercased, anything else than
 * letters, digits and single '-' dropped, a leading digit prefixed.
 */
export function nameFromLogin(login: string): string {
  let name = login.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (!/^[a-z]/.test(name)) name = `gh-${name}`;
  return name.slice(0, MAX_NAME_LENGTH - 4).replace(/-$/, '');
}

/** Who someone is when they sign in: a GitHub account (keyed by its numeric id) or a local username and password. */
export function createSignInService({ db, accounts, audit, rateLimits }: SignInDeps) {
  // Checked against when the username is unknown, so both failures take about as long.
  let decoy: Promise<string> | undefined;

  /**
   * A returning GitHub user is found by id, whatever their login is now, so a
   * renamed login keeps its org and a newcomer who takes the old login does not
   * get it. A first sign-in creates the user and the personal org named after
   * the lowercased login, or login-2, login-3… when that name is taken or
   * reserved (a GitHub user named "admin" becomes "admin-2"; refusing them
   * would lock them out of a registry they may sign in to).
   */
  async function withGithub(github: GithubUser): Promise<Principal> {
    const known = await db.selectFrom('users').selectAll().where('github_id', '=', github.id).executeTakeFirst();
    if (known) {
      await audit.record({ principal: principalOf(known), action: 'sign_in', subject: `github:${github.login}` });
      return principalOf(known);
    }
    const base = nameFromLogin(github.login);
    for (let attempt = 1; attempt <= 20; attempt++) {
      const username = attempt === 1 ? base : `${base}-${attempt}`;
      try {
        const user = await accounts.createUser({ username, githubId: github.id });
        await audit.record({ principal: principalOf(user), action: 'sign_up', subject: `github:${github.login}` });
        return principalOf(user);
      } catch (error) {
        if (!(error instanceof FlockError && error.code === 'conflict')) throw error;
        // Two first sign-ins of the same GitHub account racing: the other one won.
        const raced = await db.selectFrom('users').selectAll().where('github_id', '=', github.id).executeTakeFirst();
        if (raced) return principalOf(raced);
      }
    }
    throw new FlockError('conflict', `Could not find a free name for the GitHub login "${github.login}"`);
  }

  async function signUp(input: { username: string; password: string }): Promise<Principal> {
    const username = parseOrgName(input.username.trim());
    const user = await accounts.createUser({ username, passwordHash: await hashPassword(input.password) });
    await audit.record({ principal: principalOf(user), action: 'sign_up', subject: 'password' });
    return principalOf(user);
  }

  /** One message for an unknown user and a wrong password, so sign-in does not reveal which usernames exist. */
  async function signIn(input: { username: string; password: string }): Promise<Principal> {
    // Counted for unknown usernames too, so the limit does not reveal which exist.
    const bucket = `sign-in:${nameKey(input.username.trim())}`;
    const counted = await rateLimits.hit(bucket, PASSWORD_ATTEMPTS, 'sign-in attempts');
    const user = await accounts.findUser(input.username.trim());
    const wrong = () => new FlockError('unauthenticated', 'Wrong username or password');
    if (!user?.password_hash) {
      decoy ??= hashPassword('a decoy password that matches nothing');
      await verifyPassword(input.password, await decoy);
      throw wrong();
    }
    if (!(await verifyPassword(input.password, user.password_hash))) throw wrong();
    // Only failures count: someone who knows the password is never locked out by signing in often.
    await rateLimits.forgive(bucket, counted);
    await audit.record({ principal: principalOf(user), action: 'sign_in', subject: 'password' });
    return principalOf(user);
  }

  return { withGithub, signUp, signIn };
}

export type SignInService = ReturnType<typeof createSignInService>;
