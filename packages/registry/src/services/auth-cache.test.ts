import { describe, expect, it } from 'vitest';
import { FlockError } from '@flock/core';
import { hashToken } from '../auth/tokens.js';
import type { Principal } from '../auth/principal.js';
import { createAuthCache } from './auth-cache.js';

function setup(expiresAt: string | null = null) {
  let now = 0;
  const calls = { tokens: 0, roles: 0 };
  const principal: Principal = { userId: 'u1', username: 'mia', token: { id: 't1', name: 'read', scopes: ['read'], orgIds: null, expiresAt } };
  const cache = createAuthCache({
    clock: () => new Date(now),
    ttlMs: 5_000,
    maxEntries: 2,
    tokens: {
      authenticate: async (token: string) => {
        calls.tokens++;
        if (token !== 'good' && token !== 'other' && token !== 'third') throw new FlockError('invalid_token', 'Invalid token');
        return principal;
      },
    },
    accounts: { roleOf: async () => (calls.roles++, 'member' as const) },
  });
  return { cache, calls, advance: (ms: number) => (now += ms) };
}

describe('the auth cache', () => {
  it("never trusts a token past its own expiry, even within the TTL", async () => {
    const { cache, calls, advance } = setup(new Date(2_000).toISOString());
    await cache.principal('good');
    advance(1_999);
    await cache.principal('good');
    expect(calls.tokens).toBe(1);
    advance(1);
    await cache.principal('good');
    expect(calls.tokens).toBe(2);
  });

  it('answers a token and a membership from memory within the TTL, and asks again after it', async () => {
    const { cache, calls, advance } = setup();
    await cache.principal('good');
    await cache.principal('good');
    await cache.roleOf('o1', 'u1');
    await cache.roleOf('o1', 'u1');
    expect(calls).toEqual({ tokens: 1, roles: 1 });
    advance(5_000);
    await cache.principal('good');
    await cache.roleOf('o1', 'u1');
    expect(calls).toEqual({ tokens: 2, roles: 2 });
  });

  it('does not cache failures, forgets a token by its SHA-256, forgets everything on clear, and stays bounded', async () => {
    const { cache, calls } = setup();
    await expect(cache.principal('bad')).rejects.toThrow('Invalid token');
    await expect(cache.principal('bad')).rejects.toThrow('Invalid token');
    expect(calls.tokens).toBe(2);
    await cache.principal('good');
    cache.invalidateToken(hashToken('good'));
    await cache.principal('good');
    expect(calls.tokens).toBe(4);
    cache.clear();
    await cache.principal('good');
    expect(calls.tokens).toBe(5);
    await cache.principal('other');
    await cache.principal('third'); // evicts "good" (max 2 entries)
    await cache.principal('good');
    expect(calls.tokens).toBe(8);
  });
});
